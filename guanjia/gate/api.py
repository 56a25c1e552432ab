"""REST API of the gate (``/api/v1/gate/…``): visitor passes, the guard's scan, check-in and out,
walk-ins, the log, vehicles, parking spaces and the tariff, temporary vehicles, the blacklist, access
cards — and the hardware interface (``/gate/device/…``, authenticated by the gate's device token in
the ``X-Gate-Token`` header). Thin: the same selectors and services as the console and the portal."""

import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.pagination import paginate
from ninja.security import APIKeyHeader

from guanjia.core.api import ERROR_RESPONSES, Pagination, RefId, Schema
from guanjia.core.context import Source, change_context
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.gate import selectors, services
from guanjia.gate.choices import GateKind, HolderKind, PassKind, PayMethod, SpaceKind
from guanjia.gate.models import (
    AccessCard,
    BlacklistedPlate,
    Gate,
    ParkingSpace,
    TemporaryVisit,
    Vehicle,
    VisitorPass,
)

router = Router(tags=["gate"])


def _staff(request, perm: str = Perm.GATE_DUTY) -> None:
    if not scope_for(request.user).is_resident:
        require(request.user, perm)


# Gates -----------------------------------------------------------------------------------------


class GateOut(Schema):
    id: int
    project_id: int
    name: str
    kind: GateKind
    active: bool
    device_token_prefix: str


class GateIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=40)
    kind: GateKind = GateKind.BOTH


class GateDeviceTokenOut(Schema):
    gate_id: int
    token: str


@router.get("/gate/gates", response={200: list[GateOut], **ERROR_RESPONSES}, operation_id="gate_list")
def gate_list(request):
    require(request.user, Perm.GATE_DUTY)
    return list(selectors.gates_of(request.user))


@router.post("/gate/gates", response={201: GateOut, **ERROR_RESPONSES}, operation_id="gate_create")
def gate_create(request, payload: GateIn):
    return 201, services.gate_create(actor=request.user, data=payload.dict())


@router.post(
    "/gate/gates/{int:pk}/device-token",
    response={201: GateDeviceTokenOut, **ERROR_RESPONSES},
    operation_id="gate_device_token",
    summary="Issue the gate's device token (shown once; the previous one stops working)",
)
def gate_device_token(request, pk: int):
    require(request.user, Perm.MANAGE_GATE)
    gate = visible_or_404(Gate.objects.all(), pk, request.user)
    return 201, {"gate_id": gate.pk, "token": services.gate_issue_device_token(actor=request.user, gate=gate)}


# Visitor passes --------------------------------------------------------------------------------


class VisitorPassOut(Schema):
    id: int
    project_id: int
    unit_id: int
    unit: str
    kind: PassKind
    visitor_name: str
    visitor_phone: str
    plate: str
    people: int
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    state: str
    state_label: str
    confirmed_by: str
    reason: str
    checked_in_at: datetime.datetime | None
    checked_in_gate_id: int | None
    checked_out_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    token: str
    share_url: str

    @staticmethod
    def resolve_unit(obj) -> str:
        return f"{obj.unit.building.name}-{obj.unit.number}"

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.state()

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.state_label())

    @staticmethod
    def resolve_share_url(obj) -> str:
        return reverse("gate:shared_pass", args=[obj.token])


class VisitorPassIn(Schema):
    unit_id: RefId
    visitor_name: str = Field(..., min_length=1, max_length=40)
    visitor_phone: str = Field("", max_length=20)
    plate: str = Field("", max_length=12)
    people: int = Field(1, ge=1, le=50)
    valid_from: datetime.datetime
    valid_until: datetime.datetime


class WalkInIn(Schema):
    gate_id: RefId
    unit_id: RefId
    visitor_name: str = Field(..., min_length=1, max_length=40)
    visitor_phone: str = Field("", max_length=20)
    plate: str = Field("", max_length=12)
    people: int = Field(1, ge=1, le=50)
    confirmed_by: str = Field(..., min_length=1, max_length=40)
    reason: str = Field(..., min_length=1, max_length=100)


class GateAtIn(Schema):
    gate_id: RefId


def _passes(request):
    _staff(request)
    return VisitorPass.objects.visible_to(request.user).select_related("unit__building")


@router.get(
    "/gate/passes", response={200: list[VisitorPassOut], **ERROR_RESPONSES}, operation_id="gate_pass_list"
)
@paginate(Pagination)
def pass_list(request, filters: selectors.VisitorPassFilter = Query(...)):
    _staff(request)
    return selectors.pass_rows(request.user, filters)


@router.post(
    "/gate/passes",
    response={201: VisitorPassOut, **ERROR_RESPONSES},
    operation_id="gate_pass_create",
    summary="Invite a visitor for one of your units (a resident) or for a unit of your project (the desk)",
)
def pass_create(request, payload: VisitorPassIn):
    made = services.pass_create(actor=request.user, data=payload.dict())
    return 201, visible_or_404(_passes(request), made.pk, request.user)


@router.get(
    "/gate/passes/{int:pk}", response={200: VisitorPassOut, **ERROR_RESPONSES}, operation_id="gate_pass_get"
)
def pass_get(request, pk: int):
    return visible_or_404(_passes(request), pk, request.user)


@router.post(
    "/gate/passes/{int:pk}/revoke",
    response={200: VisitorPassOut, **ERROR_RESPONSES},
    operation_id="gate_pass_revoke",
)
def pass_revoke(request, pk: int):
    found = visible_or_404(_passes(request), pk, request.user)
    services.pass_revoke(actor=request.user, visitor_pass=found)
    return visible_or_404(_passes(request), pk, request.user)


@router.get(
    "/gate/scan",
    response={200: VisitorPassOut, **ERROR_RESPONSES},
    operation_id="gate_scan",
    summary="The pass a guard scanned (the QR code's token or the whole link)",
)
def scan(request, token: str = Query("", max_length=300)):
    # Who may scan is decided before what was scanned: a caller without gate duty learns nothing.
    require(request.user, Perm.GATE_DUTY)
    if not token.strip():
        raise ValidationError({"token": _("请扫描或输入通行证二维码")})
    return services.pass_by_token(request.user, token)


@router.post(
    "/gate/passes/{int:pk}/check-in",
    response={200: VisitorPassOut, **ERROR_RESPONSES},
    operation_id="gate_pass_check_in",
    summary="Let the visitor in; 409 with the reason outside the window, when used, or checked in already",
)
def pass_check_in(request, pk: int, payload: GateAtIn):
    require(request.user, Perm.GATE_DUTY)
    found = visible_or_404(_passes(request), pk, request.user)
    services.pass_check_in(actor=request.user, visitor_pass=found, gate_id=payload.gate_id)
    return visible_or_404(_passes(request), pk, request.user)


@router.post(
    "/gate/passes/{int:pk}/check-out",
    response={200: VisitorPassOut, **ERROR_RESPONSES},
    operation_id="gate_pass_check_out",
)
def pass_check_out(request, pk: int, payload: GateAtIn):
    require(request.user, Perm.GATE_DUTY)
    found = visible_or_404(_passes(request), pk, request.user)
    services.pass_check_out(actor=request.user, visitor_pass=found, gate_id=payload.gate_id)
    return visible_or_404(_passes(request), pk, request.user)


@router.post(
    "/gate/walk-ins",
    response={201: VisitorPassOut, **ERROR_RESPONSES},
    operation_id="gate_walk_in",
    summary="Register a walk-in visitor after calling the household (checked in at once)",
)
def walk_in(request, payload: WalkInIn):
    made = services.walk_in_register(actor=request.user, data=payload.dict())
    return 201, visible_or_404(_passes(request), made.pk, request.user)


# The log ---------------------------------------------------------------------------------------


class GateLogOut(Schema):
    id: int
    gate_id: int
    gate: str
    time: datetime.datetime
    kind: str
    visitor_pass_id: int | None
    plate: str
    card_number: str
    unit_id: int | None
    guard_id: int | None
    device_event_id: str
    note: str

    @staticmethod
    def resolve_gate(obj) -> str:
        return obj.gate.name


@router.get("/gate/log", response={200: list[GateLogOut], **ERROR_RESPONSES}, operation_id="gate_log")
@paginate(Pagination)
def gate_log(request, filters: selectors.GateLogFilter = Query(...)):
    require(request.user, Perm.GATE_DUTY)
    return selectors.log_rows(request.user, filters)


# Vehicles, parking, tariff ---------------------------------------------------------------------


class VehicleOut(Schema):
    id: int
    project_id: int
    unit_id: int
    owner_id: int | None
    plate: str
    model_name: str
    color: str
    note: str
    active: bool


class VehicleIn(Schema):
    unit_id: RefId
    plate: str = Field(..., min_length=1, max_length=12)
    owner_id: RefId | None = None
    model_name: str = Field("", max_length=40)
    color: str = Field("", max_length=10)
    note: str = Field("", max_length=100)


class VehiclePatchIn(Schema):
    plate: str | None = Field(None, min_length=1, max_length=12)
    owner_id: RefId | None = None
    model_name: str | None = Field(None, max_length=40)
    color: str | None = Field(None, max_length=10)
    note: str | None = Field(None, max_length=100)


@router.get(
    "/gate/vehicles", response={200: list[VehicleOut], **ERROR_RESPONSES}, operation_id="gate_vehicle_list"
)
@paginate(Pagination)
def vehicle_list(request, filters: selectors.VehicleFilter = Query(...)):
    _staff(request)
    return selectors.vehicle_rows(request.user, filters)


@router.post(
    "/gate/vehicles", response={201: VehicleOut, **ERROR_RESPONSES}, operation_id="gate_vehicle_create"
)
def vehicle_create(request, payload: VehicleIn):
    return 201, services.vehicle_create(actor=request.user, data=payload.dict())


@router.patch(
    "/gate/vehicles/{int:pk}",
    response={200: VehicleOut, **ERROR_RESPONSES},
    operation_id="gate_vehicle_update",
)
def vehicle_update(request, pk: int, payload: VehiclePatchIn):
    _staff(request)
    vehicle = visible_or_404(Vehicle.objects.all(), pk, request.user)
    return services.vehicle_update(actor=request.user, vehicle=vehicle, data=payload.dict(exclude_unset=True))


@router.delete(
    "/gate/vehicles/{int:pk}", response={204: None, **ERROR_RESPONSES}, operation_id="gate_vehicle_delete"
)
def vehicle_delete(request, pk: int):
    _staff(request)
    vehicle = visible_or_404(Vehicle.objects.all(), pk, request.user)
    services.vehicle_delete(actor=request.user, vehicle=vehicle)
    return 204, None


class PlateCheckOut(Schema):
    plate: str
    resident_vehicle: bool
    unit: str
    blacklisted: bool
    blacklist_reason: str
    inside_since: datetime.datetime | None
    temporary_visit_id: int | None
    fee_now: Decimal | None


@router.get(
    "/gate/plate-check",
    response={200: PlateCheckOut, **ERROR_RESPONSES},
    operation_id="gate_plate_check",
    summary="What the guard needs to know about a plate: resident's, blacklisted, inside since, fee now",
)
def plate_check(request, project_id: int | None = None, plate: str = Query("", max_length=12)):
    # Who may look is decided before what was asked: a caller without gate duty learns nothing.
    require(request.user, Perm.GATE_DUTY)
    if not project_id or project_id < 1:
        raise ValidationError({"project_id": _("请选择项目")})
    if not plate.strip():
        raise ValidationError({"plate": _("请输入车牌号")})
    return selectors.plate_facts(request.user, project_id, plate)


class ParkingSpaceOut(Schema):
    id: int
    project_id: int
    number: str
    kind: SpaceKind
    unit_id: int | None
    monthly_rent: Decimal | None
    rented_from: datetime.date | None
    unit_charge_id: int | None


class ParkingSpaceIn(Schema):
    project_id: RefId
    number: str = Field(..., min_length=1, max_length=20)
    kind: SpaceKind = SpaceKind.TEMPORARY
    unit_id: RefId | None = None


class ParkingRentIn(Schema):
    unit_id: RefId
    monthly_rent: Decimal = Field(..., gt=0, le=99999, decimal_places=2)
    rented_from: datetime.date | None = None


@router.get(
    "/gate/spaces", response={200: list[ParkingSpaceOut], **ERROR_RESPONSES}, operation_id="gate_space_list"
)
@paginate(Pagination)
def space_list(request, filters: selectors.ParkingSpaceFilter = Query(...)):
    _staff(request)
    return selectors.space_rows(request.user, filters)


@router.post(
    "/gate/spaces", response={201: ParkingSpaceOut, **ERROR_RESPONSES}, operation_id="gate_space_create"
)
def space_create(request, payload: ParkingSpaceIn):
    return 201, services.space_create(actor=request.user, data=payload.dict())


@router.post(
    "/gate/spaces/{int:pk}/rent",
    response={200: ParkingSpaceOut, **ERROR_RESPONSES},
    operation_id="gate_space_rent",
    summary="Rent the space to a unit: its monthly rent is billed with the unit's monthly bills",
)
def space_rent(request, pk: int, payload: ParkingRentIn):
    require(request.user, Perm.MANAGE_GATE)
    space = visible_or_404(ParkingSpace.objects.all(), pk, request.user)
    return services.space_rent(actor=request.user, space=space, data=payload.dict())


@router.post(
    "/gate/spaces/{int:pk}/release",
    response={200: ParkingSpaceOut, **ERROR_RESPONSES},
    operation_id="gate_space_release",
)
def space_release(request, pk: int):
    require(request.user, Perm.MANAGE_GATE)
    space = visible_or_404(ParkingSpace.objects.all(), pk, request.user)
    return services.space_release(actor=request.user, space=space)


class ParkingTariffOut(Schema):
    project_id: int
    free_minutes: int
    per_hour: Decimal
    daily_cap: Decimal


class ParkingTariffIn(Schema):
    project_id: RefId
    free_minutes: int = Field(30, ge=0, le=1440)
    per_hour: Decimal = Field(..., ge=0, le=9999, decimal_places=2)
    daily_cap: Decimal = Field(..., ge=0, le=9999, decimal_places=2)


@router.put(
    "/gate/tariff", response={200: ParkingTariffOut, **ERROR_RESPONSES}, operation_id="gate_tariff_set"
)
def tariff_set(request, payload: ParkingTariffIn):
    return services.tariff_set(actor=request.user, data=payload.dict())


# Temporary vehicles ----------------------------------------------------------------------------


class TemporaryVisitOut(Schema):
    id: int
    project_id: int
    plate: str
    entered_at: datetime.datetime
    entry_gate_id: int
    left_at: datetime.datetime | None
    exit_gate_id: int | None
    fee: Decimal | None
    fee_now: Decimal
    paid: Decimal | None
    pay_method: str
    cashier_id: int | None

    @staticmethod
    def resolve_fee_now(obj) -> Decimal:
        return services.fee_now(obj)


class TemporaryEnterIn(Schema):
    gate_id: RefId
    plate: str = Field(..., min_length=1, max_length=12)


class TemporaryExitIn(Schema):
    gate_id: RefId
    pay_method: Literal["cash", "wechat", "alipay"] = PayMethod.CASH
    paid: Decimal | None = Field(None, ge=0, le=99999, decimal_places=2)


@router.get(
    "/gate/temporary",
    response={200: list[TemporaryVisitOut], **ERROR_RESPONSES},
    operation_id="gate_temporary_list",
)
@paginate(Pagination)
def temporary_list(request, filters: selectors.TemporaryVisitFilter = Query(...)):
    require(request.user, Perm.GATE_DUTY)
    return selectors.temporary_rows(request.user, filters)


@router.post(
    "/gate/temporary",
    response={201: TemporaryVisitOut, **ERROR_RESPONSES},
    operation_id="gate_temporary_enter",
)
def temporary_enter(request, payload: TemporaryEnterIn):
    return 201, services.temporary_enter(actor=request.user, data=payload.dict())


@router.post(
    "/gate/temporary/{int:pk}/exit",
    response={200: TemporaryVisitOut, **ERROR_RESPONSES},
    operation_id="gate_temporary_exit",
    summary="The car leaves: the fee from the project's tariff, paid to the guard (its cashier)",
)
def temporary_exit(request, pk: int, payload: TemporaryExitIn):
    require(request.user, Perm.GATE_DUTY)
    visit = visible_or_404(TemporaryVisit.objects.all(), pk, request.user)
    return services.temporary_exit(actor=request.user, visit=visit, data=payload.dict())


# Blacklist -------------------------------------------------------------------------------------


class BlacklistOut(Schema):
    id: int
    project_id: int
    plate: str
    reason: str
    added_by_id: int
    active: bool
    created_at: datetime.datetime


class BlacklistIn(Schema):
    project_id: RefId
    plate: str = Field(..., min_length=1, max_length=12)
    reason: str = Field(..., min_length=1, max_length=200)


@router.get(
    "/gate/blacklist",
    response={200: list[BlacklistOut], **ERROR_RESPONSES},
    operation_id="gate_blacklist_list",
)
@paginate(Pagination)
def blacklist_list(request, project_id: RefId | None = None):
    require(request.user, Perm.GATE_DUTY)
    return selectors.blacklist_rows(request.user, project_id)


@router.post(
    "/gate/blacklist", response={201: BlacklistOut, **ERROR_RESPONSES}, operation_id="gate_blacklist_add"
)
def blacklist_add(request, payload: BlacklistIn):
    return 201, services.blacklist_add(actor=request.user, data=payload.dict())


@router.delete(
    "/gate/blacklist/{int:pk}", response={204: None, **ERROR_RESPONSES}, operation_id="gate_blacklist_remove"
)
def blacklist_remove(request, pk: int):
    require(request.user, Perm.GATE_DUTY)
    entry = visible_or_404(BlacklistedPlate.objects.all(), pk, request.user)
    services.blacklist_remove(actor=request.user, entry=entry)
    return 204, None


# Access cards ----------------------------------------------------------------------------------


class AccessCardOut(Schema):
    id: int
    project_id: int
    number: str
    holder_kind: HolderKind
    holder_name: str
    unit_id: int | None
    resident_id: int | None
    staff_id: int | None
    worker_pass_id: int | None
    valid_from: datetime.date
    valid_until: datetime.date | None
    revoked_at: datetime.datetime | None
    revoke_reason: str
    deactivated_at: datetime.datetime | None


class AccessCardIn(Schema):
    number: str = Field(..., min_length=1, max_length=32)
    holder_kind: HolderKind
    unit_id: RefId | None = None
    resident_id: RefId | None = None
    project_id: RefId | None = None
    staff_id: RefId | None = None
    worker_pass_id: RefId | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None


@router.get(
    "/gate/cards", response={200: list[AccessCardOut], **ERROR_RESPONSES}, operation_id="gate_card_list"
)
@paginate(Pagination)
def card_list(request, filters: selectors.AccessCardFilter = Query(...)):
    _staff(request)
    return selectors.card_rows(request.user, filters)


@router.post("/gate/cards", response={201: AccessCardOut, **ERROR_RESPONSES}, operation_id="gate_card_issue")
def card_issue(request, payload: AccessCardIn):
    return 201, services.card_issue(actor=request.user, data=payload.dict())


@router.post(
    "/gate/cards/{int:pk}/revoke",
    response={200: AccessCardOut, **ERROR_RESPONSES},
    operation_id="gate_card_revoke",
)
def card_revoke(request, pk: int):
    require(request.user, Perm.MANAGE_GATE)
    card = visible_or_404(AccessCard.objects.all(), pk, request.user)
    return services.card_revoke(actor=request.user, card=card)


@router.post(
    "/gate/cards/{int:pk}/deactivated",
    response={200: AccessCardOut, **ERROR_RESPONSES},
    operation_id="gate_card_deactivated",
    summary="Mark a revoked card as switched off in the access-control system (off the guard's list)",
)
def card_deactivated(request, pk: int):
    require(request.user, Perm.GATE_DUTY)
    card = visible_or_404(AccessCard.objects.all(), pk, request.user)
    return services.card_deactivated(actor=request.user, card=card)


# The hardware interface ------------------------------------------------------------------------


class GateDeviceAuth(APIKeyHeader):
    """An access-control or barrier system: ``X-Gate-Token: gd_…`` (the gate's device token)."""

    param_name = "X-Gate-Token"

    def authenticate(self, request, key):
        return services.gate_for_token(key or "")


DEVICE_AUTH = [GateDeviceAuth()]


class GateAllowListOut(Schema):
    gate_id: int
    generated_at: datetime.datetime
    plates: list[str]
    visitor_plates: list[str]
    blacklisted_plates: list[str]
    cards: list[str]
    visitor_tokens: list[str]


class GateDeviceEventIn(Schema):
    event_id: str = Field(..., min_length=1, max_length=64)
    kind: Literal["card", "plate_in", "plate_out", "visitor_in", "visitor_out"]
    value: str = Field(..., min_length=1, max_length=300)
    time: datetime.datetime | None = None


class GateDeviceEventOut(Schema):
    allow: bool
    reason: str
    duplicate: bool
    log_id: int | None


@router.get(
    "/gate/device/allow-list",
    auth=DEVICE_AUTH,
    response={200: GateAllowListOut, **ERROR_RESPONSES},
    operation_id="gate_device_allow_list",
    summary="For the gate's device: plates, card numbers and visitor tokens to open for now",
)
def device_allow_list(request):
    return services.allow_lists(request.auth)


@router.post(
    "/gate/device/events",
    auth=DEVICE_AUTH,
    response={200: GateDeviceEventOut, **ERROR_RESPONSES},
    operation_id="gate_device_event",
    summary="What the device saw (card, plate in/out, visitor QR); once per event_id; answers allow or not",
)
def device_event(request, payload: GateDeviceEventIn):
    with change_context(source=Source.API):
        decision = services.device_event(gate=request.auth, data=payload.dict())
    return decision.__dict__
