"""What a completed repair records: the materials used and the charges for a paid service."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.tickets.models import Ticket, TicketCharge, TicketMaterial


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({field: _("“%(value)s” 不是数字") % {"value": value}}) from exc
    if not number.is_finite() or number < 0 or number > Decimal("99999999"):
        raise ValidationError({field: _("数值超出范围")})
    return number.quantize(Decimal("0.01"))


def material_add(ticket: Ticket, *, name: str, quantity: Decimal, unit: str, cost: Decimal) -> TicketMaterial:
    """One material line of a request (also what the stores' issue to a request writes)."""
    return TicketMaterial.objects.create(
        company_id=ticket.company_id,
        project_id=ticket.project_id,
        ticket=ticket,
        name=name[:60],
        quantity=quantity,
        unit=unit[:10],
        cost=cost,
    )


def material_reduce(material: TicketMaterial, *, quantity: Decimal, cost: Decimal) -> None:
    """Part of a material line went back to the store: the line shrinks (and goes when empty)."""
    material = TicketMaterial.objects.select_for_update().get(pk=material.pk)
    material.quantity -= quantity
    material.cost = max(material.cost - cost, Decimal("0.00"))
    if material.quantity <= 0:
        material.delete()
    else:
        material.save()


def record_materials_and_charges(ticket: Ticket, data: dict) -> dict:
    facts: dict = {}
    materials = data.get("materials") or []
    for index, item in enumerate(materials):
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationError({f"materials.{index}.name": _("此项为必填项")})
        material_add(
            ticket,
            name=name,
            quantity=_decimal(item.get("quantity", 1), f"materials.{index}.quantity"),
            unit=str(item.get("unit") or ""),
            cost=_decimal(item.get("cost", 0), f"materials.{index}.cost"),
        )
    charges = data.get("charges") or []
    if charges and ticket.charges_confirmed_at is not None:
        raise Conflict(_("费用已确认，不能再添加收费"))
    for index, item in enumerate(charges):
        description = str(item.get("description") or "").strip()
        if not description:
            raise ValidationError({f"charges.{index}.description": _("此项为必填项")})
        quantity = _decimal(item.get("quantity", 1), f"charges.{index}.quantity")
        if quantity <= 0:
            raise ValidationError({f"charges.{index}.quantity": _("数量须大于0")})
        unit_price = _decimal(item.get("unit_price"), f"charges.{index}.unit_price")
        TicketCharge.objects.create(
            company_id=ticket.company_id,
            project_id=ticket.project_id,
            ticket=ticket,
            description=description[:100],
            quantity=quantity,
            unit_price=unit_price,
            amount=(quantity * unit_price).quantize(Decimal("0.01")),
        )
    if materials:
        facts["materials"] = len(materials)
    if charges:
        facts["charges"] = len(charges)
    return facts
