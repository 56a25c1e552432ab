"""The gate API's gates, access cards and the hardware interface (``/gate/device/…``, authenticated
by the gate's device token in the ``X-Gate-Token`` header)."""

import datetime
from typing import Literal

from ninja import Field, Query
from ninja.pagination import paginate
from ninja.security import APIKeyHeader

from guanjia.core.api import ERROR_RESPONSES, Pagination, RefId, Schema
from guanjia.core.context import Source, change_context
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.gate import selectors, services
from guanjia.gate.api.common import _staff, router
from guanjia.gate.choices import GateKind, HolderKind
from guanjia.gate.models import AccessCard, Gate

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
