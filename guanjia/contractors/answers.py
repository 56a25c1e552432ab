"""The contractors app's answers to facilities' questions (``facilities.hooks``), registered in
``ContractorsConfig.ready``: who maintains an item (the firm of the active contract covering it on
the day) and whether a staff record is an outside firm's person (and who supervises them)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from guanjia.contractors.choices import ContractStatus
from guanjia.contractors.models import Contract, OutsourcedWorker
from guanjia.facilities.hooks import Maintainer, Outsourced


def maintainers(equipment_ids: list[int], day: datetime.date) -> dict[int, Maintainer]:
    """One query: the contracts in force on ``day`` covering any of the items (latest start wins)."""
    through = Contract.equipment.through
    rows = (
        through.objects.filter(
            equipment_id__in=equipment_ids,
            contract__status=ContractStatus.ACTIVE,
            contract__starts_on__lte=day,
            contract__ends_on__gte=day,
        )
        .select_related("contract__contractor")
        .order_by("equipment_id", "-contract__starts_on", "-contract_id")
    )
    found: dict[int, Maintainer] = {}
    for row in rows:
        if row.equipment_id in found:
            continue
        contract = row.contract
        found[row.equipment_id] = Maintainer(
            name=contract.contractor.name,
            contract=f"{contract.number} {contract.title}",
            url=reverse("contractors:contract", args=[contract.pk]),
            until=contract.ends_on,
        )
    return found


def outsourced(staff_member) -> Outsourced | None:
    link = (
        OutsourcedWorker.objects.filter(staff_member_id=staff_member.pk)
        .select_related("contractor", "supervisor")
        .first()
    )
    if link is None:
        return None
    return Outsourced(employer=link.contractor.name, supervisor=link.supervisor)
