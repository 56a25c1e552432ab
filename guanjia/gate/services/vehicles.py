"""Vehicles and parking: the residents' vehicle register, parking spaces and their rent (billed through
the fee ledger), the temporary-parking tariff, temporary vehicles in and out with their fee, and the
blacklist the gate warns on.

Rent: renting a space registers the unit for the fixed monthly item "车位租赁费" in billing
(``billing.services.unit_charge_create``), so the unit's monthly bill carries it; releasing the space
removes the registration. Billing's own permission (``CHANGE_BILLING``) applies.
Temporary parking is paid at the exit to the guard, who is recorded on the stay as its cashier
(no unit to post a payment to in the ledger); the day's takings are the temporary list's sum.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import services as billing
from guanjia.billing.choices import ChargeKind, ItemScope
from guanjia.billing.models import ChargeItem, ProjectCharge
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Occupancy, Project, Resident, Unit
from guanjia.gate.choices import GateLogKind, PayMethod, SpaceKind
from guanjia.gate.fees import parking_fee
from guanjia.gate.models import BlacklistedPlate, Gate, ParkingSpace, ParkingTariff, TemporaryVisit, Vehicle
from guanjia.gate.services import common

RENT_ITEM = "车位租赁费"


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("请输入金额")}) from None
    if amount < 0 or amount > Decimal("99999"):
        raise ValidationError({field: _("金额应在 0 到 99999 元之间")})
    return amount


# The vehicle register --------------------------------------------------------------------------


def _owner(actor, unit: Unit, owner_id) -> Resident | None:
    if not owner_id:
        return None
    owner = visible_reference(Resident, owner_id, actor, field="owner_id")
    if not Occupancy.objects.filter(resident=owner, unit=unit).current().exists():
        raise ValidationError({"owner_id": _("车主不是该房屋的住户")})
    return owner


def _unique_plate(vehicle: Vehicle) -> None:
    taken = Vehicle.objects.filter(project_id=vehicle.project_id, plate=vehicle.plate, active=True)
    if vehicle.pk:
        taken = taken.exclude(pk=vehicle.pk)
    if taken.exists():
        raise ValidationError({"plate": _("该车牌已登记在本项目")})


@service
def vehicle_create(*, actor, data: dict) -> Vehicle:
    require(actor, Perm.MANAGE_GATE)
    data = dict(data)
    unit = visible_reference(Unit, data.pop("unit_id", None), actor, field="unit_id")
    vehicle = Vehicle(company_id=unit.company_id, project_id=unit.project_id, unit=unit)
    vehicle.owner = _owner(actor, unit, data.pop("owner_id", None))
    vehicle.plate = common.plate_of(data.pop("plate", None), required=True)
    apply_changes(vehicle, data, allowed={"model_name", "color", "note"})
    _unique_plate(vehicle)
    return save_validated(vehicle)


@service
def vehicle_update(*, actor, vehicle: Vehicle, data: dict) -> Vehicle:
    require(actor, Perm.MANAGE_GATE)
    vehicle = lock(vehicle)
    data = dict(data)
    if "plate" in data:
        vehicle.plate = common.plate_of(data.pop("plate"), required=True)
    if "owner_id" in data:
        vehicle.owner = _owner(actor, vehicle.unit, data.pop("owner_id"))
    apply_changes(vehicle, data, allowed={"model_name", "color", "note", "active"})
    if vehicle.active:
        _unique_plate(vehicle)
    return save_validated(vehicle)


@service
def vehicle_delete(*, actor, vehicle: Vehicle) -> None:
    """A vehicle sold or moved away leaves the register; its history stays (``active`` off)."""
    require(actor, Perm.MANAGE_GATE)
    vehicle = lock(vehicle)
    vehicle.active = False
    vehicle.save()


# Parking spaces ---------------------------------------------------------------------------------


@service
def space_create(*, actor, data: dict) -> ParkingSpace:
    require(actor, Perm.MANAGE_GATE)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    space = ParkingSpace(company_id=project.company_id, project=project)
    space.number = (data.pop("number", "") or "").strip()
    space.kind = data.pop("kind", SpaceKind.TEMPORARY)
    if space.kind == SpaceKind.RENTED:
        raise ValidationError({"kind": _("租赁车位请先建为临时车位，再办理出租")})
    unit_id = data.pop("unit_id", None)
    if space.kind == SpaceKind.OWNED:
        space.unit = visible_reference(Unit, unit_id, actor, field="unit_id")
        if space.unit.project_id != project.pk:
            raise ValidationError({"unit_id": _("房屋不属于该项目")})
    if data:
        raise ValidationError({field: _("不可修改此字段") for field in data})
    if ParkingSpace.objects.filter(project=project, number=space.number).exists():
        raise ValidationError({"number": _("该车位号已存在")})
    return save_validated(space)


def _rent_item(actor) -> ChargeItem:
    item = (
        ChargeItem.objects.visible_to(actor)
        .filter(name=RENT_ITEM, kind=ChargeKind.FIXED, active=True)
        .first()
    )
    if item is None:
        item = billing.charge_item_create(
            actor=actor,
            data={"name": RENT_ITEM, "kind": ChargeKind.FIXED, "unit_price": Decimal("0"), "note": ""},
        )
    return item


def _billed_in_project(actor, item: ChargeItem, project_id: int) -> None:
    """The project bills the rent item to the units registered for it (once per project)."""
    if not ProjectCharge.objects.filter(project_id=project_id, item=item).exists():
        billing.project_charge_create(
            actor=actor, data={"project_id": project_id, "item_id": item.pk, "scope": ItemScope.SUBSCRIBED}
        )


@service
def space_rent(*, actor, space: ParkingSpace, data: dict) -> ParkingSpace:
    """Rent a temporary space to a unit: its monthly rent is billed with the unit's monthly bills."""
    require(actor, Perm.MANAGE_GATE)
    require(actor, Perm.CHANGE_BILLING)
    space = lock(space)
    if space.kind != SpaceKind.TEMPORARY:
        raise Conflict(_("该车位为「%(k)s」，不能出租") % {"k": space.get_kind_display()})
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    if unit.project_id != space.project_id:
        raise ValidationError({"unit_id": _("房屋不属于该项目")})
    rent = _money(data.get("monthly_rent"), "monthly_rent")
    if rent <= 0:
        raise ValidationError({"monthly_rent": _("金额必须大于零")})
    item = _rent_item(actor)
    _billed_in_project(actor, item, space.project_id)
    try:
        registration = billing.unit_charge_create(
            actor=actor,
            data={
                "unit_id": unit.pk,
                "item_id": item.pk,
                "unit_price": rent,
                "note": _("车位 %(n)s") % {"n": space.number},
            },
        )
    except ValidationError as exc:
        if "item_id" in getattr(exc, "error_dict", {}):
            raise ValidationError({"unit_id": _("该房屋已租用一个车位（每户按一个租赁车位计费）")}) from exc
        raise
    space.kind, space.unit, space.monthly_rent = SpaceKind.RENTED, unit, rent
    space.rented_from = data.get("rented_from") or timezone.localdate(common._now())
    space.unit_charge = registration
    return save_validated(space)


@service
def space_release(*, actor, space: ParkingSpace) -> ParkingSpace:
    """The rent ends: the unit is no longer billed for it, the space is temporary again."""
    require(actor, Perm.MANAGE_GATE)
    require(actor, Perm.CHANGE_BILLING)
    space = lock(space)
    if space.kind != SpaceKind.RENTED:
        raise Conflict(_("该车位未出租"))
    if space.unit_charge_id:
        billing.unit_charge_delete(actor=actor, unit_charge=space.unit_charge)
    space.kind, space.unit, space.monthly_rent, space.rented_from, space.unit_charge = (
        SpaceKind.TEMPORARY,
        None,
        None,
        None,
        None,
    )
    return save_validated(space)


# The tariff and temporary vehicles -------------------------------------------------------------


def tariff_for(project_id: int) -> ParkingTariff:
    """The project's tariff, or the defaults (30 minutes free, 5 yuan an hour, 40 a day)."""
    return ParkingTariff.objects.filter(project_id=project_id).first() or ParkingTariff(project_id=project_id)


@service
def tariff_set(*, actor, data: dict) -> ParkingTariff:
    require(actor, Perm.MANAGE_GATE)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    tariff = ParkingTariff.objects.select_for_update().filter(project=project).first() or ParkingTariff(
        company_id=project.company_id, project=project
    )
    for field in ("per_hour", "daily_cap"):
        if field in data:
            data[field] = _money(data[field], field)
    apply_changes(tariff, data, allowed={"free_minutes", "per_hour", "daily_cap"})
    if tariff.daily_cap < tariff.per_hour:
        raise ValidationError({"daily_cap": _("每日封顶不能低于每小时收费")})
    return save_validated(tariff)


def blacklisted(project_id: int, plate: str) -> BlacklistedPlate | None:
    if not plate:
        return None
    return BlacklistedPlate.objects.filter(project_id=project_id, plate=plate, active=True).first()


def resident_vehicle(project_id: int, plate: str) -> Vehicle | None:
    if not plate:
        return None
    return (
        Vehicle.objects.select_related("unit__building")
        .filter(project_id=project_id, plate=plate, active=True)
        .first()
    )


def enter(*, gate: Gate, plate: str, guard, now, visitor_pass=None) -> TemporaryVisit:
    """A temporary vehicle comes in (the caller checked who may)."""
    if TemporaryVisit.objects.filter(project_id=gate.project_id, plate=plate, left_at__isnull=True).exists():
        raise Conflict(_("车辆 %(p)s 已在场内，请先登记出场") % {"p": plate})
    visit = TemporaryVisit(
        company_id=gate.company_id,
        project_id=gate.project_id,
        plate=plate,
        entered_at=now,
        entry_gate=gate,
        visitor_pass=visitor_pass,
    )
    save_validated(visit)
    black = blacklisted(gate.project_id, plate)
    note = _("黑名单车辆：%(r)s") % {"r": black.reason} if black else ""
    common.log(gate=gate, kind=GateLogKind.VEHICLE_IN, time=now, guard=guard, plate=plate, note=note[:200])
    return visit


def leave(visit: TemporaryVisit, *, gate: Gate, guard, now) -> TemporaryVisit:
    """A temporary vehicle goes out: the fee is fixed now from the project's tariff."""
    visit = lock(visit)
    if visit.left_at is not None:
        return visit
    tariff = tariff_for(visit.project_id)
    visit.left_at, visit.exit_gate = now, gate
    visit.fee = parking_fee(
        visit.entered_at,
        now,
        free_minutes=tariff.free_minutes,
        per_hour=tariff.per_hour,
        daily_cap=tariff.daily_cap,
    )
    if visit.fee == 0:
        visit.paid, visit.pay_method = Decimal("0.00"), PayMethod.FREE
    visit.save()
    common.log(
        gate=gate,
        kind=GateLogKind.VEHICLE_OUT,
        time=now,
        guard=guard,
        plate=visit.plate,
        note=_("应收 %(f)s 元") % {"f": visit.fee},
    )
    return visit


@service
def temporary_enter(*, actor, data: dict) -> TemporaryVisit:
    require(actor, Perm.GATE_DUTY)
    gate = common.gate_of(actor, data.get("gate_id"))
    plate = common.plate_of(data.get("plate"), required=True)
    if resident_vehicle(gate.project_id, plate):
        raise ValidationError({"plate": _("住户登记车辆，无需临时车登记")})
    return enter(gate=gate, plate=plate, guard=actor, now=common._now())


@service
def temporary_exit(*, actor, visit: TemporaryVisit, data: dict) -> TemporaryVisit:
    """The car leaves and pays the guard at the exit (the guard is its cashier). A car whose exit the
    barrier already reported is only paid here."""
    require(actor, Perm.GATE_DUTY)
    gate = common.gate_of(actor, data.get("gate_id"), project_id=visit.project_id)
    visit = leave(visit, gate=gate, guard=actor, now=common._now())
    if visit.paid is not None:
        if visit.pay_method == PayMethod.FREE:
            return visit
        raise Conflict(_("该车已于 %(t)s 出场并缴费") % {"t": common.local(visit.left_at)})
    method = data.get("pay_method") or PayMethod.CASH
    if method not in PayMethod.values or method == PayMethod.FREE:
        raise ValidationError({"pay_method": _("请选择付款方式")})
    paid = _money(data["paid"], "paid") if data.get("paid") not in (None, "") else visit.fee
    if paid < visit.fee:
        raise ValidationError({"paid": _("实收不能少于应收 %(f)s 元") % {"f": visit.fee}})
    visit.paid, visit.pay_method, visit.cashier = paid, method, actor
    visit.save()
    return visit


def fee_now(visit: TemporaryVisit, now=None) -> Decimal:
    """What the car would pay if it left now (the exit page shows it before the guard takes money)."""
    if visit.fee is not None:
        return visit.fee
    tariff = tariff_for(visit.project_id)
    return parking_fee(
        visit.entered_at,
        now or common._now(),
        free_minutes=tariff.free_minutes,
        per_hour=tariff.per_hour,
        daily_cap=tariff.daily_cap,
    )


# The blacklist ----------------------------------------------------------------------------------


@service
def blacklist_add(*, actor, data: dict) -> BlacklistedPlate:
    require(actor, Perm.GATE_DUTY)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    plate = common.plate_of(data.get("plate"), required=True)
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": _("此项为必填项")})
    if blacklisted(project.pk, plate):
        raise ValidationError({"plate": _("该车牌已在黑名单中")})
    entry = BlacklistedPlate(
        company_id=project.company_id, project=project, plate=plate, reason=reason[:200], added_by=actor
    )
    return save_validated(entry)


@service
def blacklist_remove(*, actor, entry: BlacklistedPlate) -> BlacklistedPlate:
    require(actor, Perm.MANAGE_GATE)
    entry = lock(entry)
    if not entry.active:
        raise Conflict(_("该车牌已移出黑名单"))
    entry.active = False
    entry.save()
    return entry
