"""What is charged: charge items, the rates each project bills, units registered for an item
(a parking space …) and meter readings. Master data, journaled; an item already billed keeps its kind.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing.choices import BillKind, ChargeKind
from guanjia.billing.models import Bill, BillLine, ChargeItem, MeterReading, ProjectCharge, UnitCharge
from guanjia.billing.services.common import check_period
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Project, Unit


def _company(actor) -> int:
    return scope_for(actor).company_id


ITEM_FIELDS = {"name", "kind", "meter", "unit_price", "active", "note"}


@service
def charge_item_create(*, actor, data: dict) -> ChargeItem:
    require(actor, Perm.CHANGE_BILLING)
    item = ChargeItem(company_id=_company(actor))
    apply_changes(item, data, allowed=ITEM_FIELDS)
    _check_item(item)
    return save_validated(item)


@service
def charge_item_update(*, actor, charge_item: ChargeItem, data: dict) -> ChargeItem:
    require(actor, Perm.CHANGE_BILLING)
    item = lock(charge_item)
    if "kind" in data and data["kind"] != item.kind and BillLine.objects.filter(item=item).exists():
        raise ValidationError({"kind": _("已出账的收费项目不能改变计费方式，请新建收费项目")})
    apply_changes(item, data, allowed=ITEM_FIELDS)
    _check_item(item)
    return save_validated(item)


def _check_item(item: ChargeItem) -> None:
    if item.kind == ChargeKind.METERED and not item.meter:
        raise ValidationError({"meter": _("按抄表计费的项目须指定表计")})
    if item.kind != ChargeKind.METERED:
        item.meter = ""


@service
def charge_item_delete(*, actor, charge_item: ChargeItem) -> None:
    """Delete an item never used; one in use is deactivated instead (bills keep their lines)."""
    require(actor, Perm.CHANGE_BILLING)
    item = lock(charge_item)
    used = (
        BillLine.objects.filter(item=item).exists()
        or ProjectCharge.objects.filter(item=item).exists()
        or MeterReading.objects.filter(item=item).exists()
        or UnitCharge.objects.filter(item=item).exists()
    )
    if used:
        raise Conflict(_("该收费项目已被使用，不能删除；请停用"))
    item.delete()


RATE_FIELDS = {"unit_price", "scope", "active"}


@service
def project_charge_create(*, actor, data: dict) -> ProjectCharge:
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    item = visible_reference(ChargeItem, data.pop("item_id", None), actor, field="item_id")
    charge = ProjectCharge(company_id=project.company_id, project=project, item=item)
    apply_changes(charge, data, allowed=RATE_FIELDS)
    if ProjectCharge.objects.filter(project=project, item=item).exists():
        raise ValidationError({"item_id": _("该项目已设置此收费项目")})
    return save_validated(charge)


@service
def project_charge_update(*, actor, project_charge: ProjectCharge, data: dict) -> ProjectCharge:
    require(actor, Perm.CHANGE_BILLING)
    charge = lock(project_charge)
    apply_changes(charge, data, allowed=RATE_FIELDS)
    return save_validated(charge)


@service
def project_charge_delete(*, actor, project_charge: ProjectCharge) -> None:
    """A project stops billing the item; bills already issued keep their lines."""
    require(actor, Perm.CHANGE_BILLING)
    lock(project_charge).delete()


@service
def unit_charge_create(*, actor, data: dict) -> UnitCharge:
    """Register a unit for an item billed only to registered units (a parking space …)."""
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    unit = visible_reference(Unit, data.pop("unit_id", None), actor, field="unit_id")
    item = visible_reference(ChargeItem, data.pop("item_id", None), actor, field="item_id")
    if item.kind != ChargeKind.FIXED:
        raise ValidationError({"item_id": _("只有固定金额的收费项目按房屋登记")})
    if UnitCharge.objects.filter(unit=unit, item=item).exists():
        raise ValidationError({"item_id": _("该房屋已登记此收费项目")})
    registration = UnitCharge(company_id=unit.company_id, project_id=unit.project_id, unit=unit, item=item)
    apply_changes(registration, data, allowed={"unit_price", "note"})
    return save_validated(registration)


@service
def unit_charge_delete(*, actor, unit_charge: UnitCharge) -> None:
    require(actor, Perm.CHANGE_BILLING)
    lock(unit_charge).delete()


# Meter readings ------------------------------------------------------------------------------------


@service
def reading_record(*, actor, data: dict) -> MeterReading:
    """Record a meter reading for a period. It may never be below the reading before it, nor above a
    later one (a meter does not run backwards); the usage billed is the difference."""
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    unit = visible_reference(Unit, data.pop("unit_id", None), actor, field="unit_id")
    item = visible_reference(ChargeItem, data.pop("item_id", None), actor, field="item_id")
    if item.kind != ChargeKind.METERED:
        raise ValidationError({"item_id": _("该收费项目不是按抄表计费")})
    period = check_period(data.get("period"))
    reading_value = data.get("reading")
    if reading_value is None:
        raise ValidationError({"reading": _("此项为必填项")})
    reading = MeterReading(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        item=item,
        period=period,
        reading=Decimal(str(reading_value)),
        read_on=data.get("read_on") or timezone.localdate(),
        read_by=actor,
    )
    lock(unit)  # two readers of the same meter at once: the second sees the first
    same = MeterReading.objects.filter(unit=unit, item=item)
    if same.filter(period=period).exists():
        raise ValidationError({"period": _("该房屋此账期已抄表；如有误请删除后重抄")})
    before = same.filter(period__lt=period).order_by("-period").first()
    after = same.filter(period__gt=period).order_by("period").first()
    reading.previous = before.reading if before else reading.reading
    if before and reading.reading < before.reading:
        raise ValidationError(
            {
                "reading": _("读数 %(r)s 小于上次读数 %(p)s（%(period)s），表不会倒转")
                % {"r": reading.reading, "p": before.reading, "period": before.period}
            }
        )
    if after and reading.reading > after.reading:
        raise ValidationError(
            {
                "reading": _("读数 %(r)s 大于之后的读数 %(n)s（%(period)s）")
                % {"r": reading.reading, "n": after.reading, "period": after.period}
            }
        )
    reading.usage = reading.reading - reading.previous
    return save_validated(reading)


@service
def reading_delete(*, actor, meter_reading: MeterReading) -> None:
    """Only a reading not yet billed and with no later reading may be taken back."""
    require(actor, Perm.CHANGE_BILLING)
    reading = lock(meter_reading)
    if Bill.objects.filter(unit_id=reading.unit_id, period=reading.period, kind=BillKind.PERIODIC).exists():
        raise Conflict(_("该账期已出账，抄表记录不能删除；请以调账更正"))
    if MeterReading.objects.filter(
        unit_id=reading.unit_id, item_id=reading.item_id, period__gt=reading.period
    ).exists():
        raise Conflict(_("之后已有抄表记录，不能删除此条"))
    reading.delete()
