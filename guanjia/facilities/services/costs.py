"""Costs of an item entered by hand (a contractor's invoice). Totals are read in ``selectors``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import save_validated, service, visible_reference
from guanjia.facilities.choices import CostKind
from guanjia.facilities.models import Equipment, EquipmentCost
from guanjia.facilities.services.common import _decimal


@service
def cost_create(*, actor, data: dict) -> EquipmentCost:
    """A contractor invoice or other cost of an item, entered by hand."""
    require(actor, Perm.CHANGE_FACILITIES)
    data = dict(data)
    equipment = visible_reference(Equipment, data.pop("equipment_id", None), actor, field="equipment_id")
    amount = _decimal(data.get("amount"), "amount")
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("金额须大于 0")})
    kind = data.get("kind") or CostKind.REPAIR
    if kind not in CostKind.values:
        raise ValidationError({"kind": _("“%(value)s” 不是有效的选项") % {"value": kind}})
    cost = EquipmentCost(
        company_id=equipment.company_id,
        project_id=equipment.project_id,
        equipment=equipment,
        kind=kind,
        incurred_on=data.get("incurred_on"),
        amount=amount,
        contractor=str(data.get("contractor") or "").strip(),
        invoice_no=str(data.get("invoice_no") or "").strip(),
        description=str(data.get("description") or "").strip(),
    )
    if cost.incurred_on is None:
        raise ValidationError({"incurred_on": _("此项为必填项")})
    return save_validated(cost)


@service
def cost_delete(*, actor, cost: EquipmentCost) -> None:
    require(actor, Perm.CHANGE_FACILITIES)
    cost.delete()
