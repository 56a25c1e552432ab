"""Read-side of the lending register; every function starts from ``visible_to``."""

from __future__ import annotations

from django.utils import timezone

from guanjia.lending.choices import LoanState
from guanjia.lending.models import LendingItem, Loan


def items(user):
    return LendingItem.objects.visible_to(user).select_related("project").order_by("project__name", "name")


def loans(user, filters: dict):
    """The desk's loans as the filter says; the overdue ones (oldest due first) when asked."""
    qs = Loan.objects.visible_to(user).select_related("item", "project", "unit__building")
    if filters.get("project_id"):
        qs = qs.filter(project=filters["project_id"])
    if filters.get("item_id"):
        qs = qs.filter(item=filters["item_id"])
    state = filters.get("state")
    today = timezone.localdate()
    if state == LoanState.OUT:
        qs = qs.filter(returned_at__isnull=True)
    elif state == LoanState.OVERDUE:
        return qs.filter(returned_at__isnull=True, due_on__lt=today).order_by("due_on", "id")
    elif state == LoanState.RETURNED:
        qs = qs.filter(returned_at__isnull=False)
    return qs.order_by("-lent_at", "-id")


def mine(user):
    """A resident's loans: the units they live in or own, open ones first."""
    return list(
        Loan.objects.visible_to(user)
        .select_related("item", "project", "unit__building")
        .order_by("returned_at", "due_on", "-id")[:100]
    )
