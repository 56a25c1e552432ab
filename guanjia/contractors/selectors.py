"""Read side of the contractors app; every function starts from ``visible_to``."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from guanjia.contractors.choices import ContractStatus
from guanjia.contractors.models import Contract, Contractor, ContractSettings, OutsourcedWorker


def contractors(user, filters: dict | None = None):
    filters = filters or {}
    qs = Contractor.objects.visible_to(user).annotate(
        active_contracts=Count("contracts", filter=Q(contracts__status=ContractStatus.ACTIVE))
    )
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("is_active") is not None and filters.get("is_active") != "":
        qs = qs.filter(is_active=filters["is_active"] in (True, "true", "1", "True"))
    if filters.get("search"):
        qs = qs.filter(Q(name__icontains=filters["search"]) | Q(contact_name__icontains=filters["search"]))
    return qs.order_by("-is_active", "name", "id")


def contracts(user, filters: dict | None = None):
    filters = filters or {}
    qs = Contract.objects.visible_to(user).select_related("contractor", "owner")
    if filters.get("contractor_id"):
        qs = qs.filter(contractor_id=getattr(filters["contractor_id"], "pk", filters["contractor_id"]))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("expiring_within"):
        today = timezone.localdate()
        qs = qs.filter(
            status=ContractStatus.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=int(filters["expiring_within"])),
        )
    return (
        qs.order_by("ends_on", "id") if filters.get("expiring_within") else qs.order_by("-starts_on", "-id")
    )


def workers(user, contractor: Contractor):
    return (
        OutsourcedWorker.objects.visible_to(user)
        .filter(contractor=contractor)
        .select_related("staff_member", "supervisor")
        .order_by("staff_member__name")
    )


def settings_for(company_id: int) -> ContractSettings | None:
    return ContractSettings.objects.filter(company_id=company_id).first()
