"""The gate API's visitor passes: invite, scan, check in and out, walk-ins, and the gate log."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, RefId, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.gate import selectors, services
from guanjia.gate.api.common import _staff, router
from guanjia.gate.choices import PassKind
from guanjia.gate.models import VisitorPass

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
