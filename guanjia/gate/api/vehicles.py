"""The gate API's vehicles: residents' vehicles, the plate check, parking spaces and the tariff,
temporary vehicles and the blacklist."""

import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, RefId, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.gate import selectors, services
from guanjia.gate.api.common import _staff, router
from guanjia.gate.choices import PayMethod, SpaceKind
from guanjia.gate.models import BlacklistedPlate, ParkingSpace, TemporaryVisit, Vehicle

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
