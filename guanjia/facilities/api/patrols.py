"""REST resources of patrols: routes with their checkpoints, rounds, scans and findings."""

import datetime

from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.core.api import (
    ERROR_RESPONSES,
    FilterSchema,
    Pagination,
    RefId,
    Schema,
    check_if_match,
    etag,
    register_crud,
)
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.facilities import services
from guanjia.facilities.api.common import router
from guanjia.facilities.choices import RoundStatus, RouteKind
from guanjia.facilities.models import Checkpoint, CheckpointScan, PatrolFinding, PatrolRound, PatrolRoute
from guanjia.staff.choices import Department

# Patrol routes ------------------------------------------------------------------------------------


class CheckpointOut(Schema):
    id: int
    position: int
    name: str
    building_id: int | None
    place: str
    expected_from: int | None = Field(
        None, description="minutes after the round starts; empty = whole window"
    )
    expected_to: int | None
    is_active: bool
    qr_url: str

    @staticmethod
    def resolve_qr_url(obj) -> str:
        return reverse("facilities:checkpoint_qr", args=[obj.qr_token])


class CheckpointIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    building_id: RefId | None = None
    place: str = Field("", max_length=100)
    expected_from: int | None = Field(None, ge=0, le=720)
    expected_to: int | None = Field(None, ge=0, le=720)


class CheckpointPatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    building_id: RefId | None = None
    place: str = Field(None, max_length=100)
    expected_from: int | None = Field(None, ge=0, le=720)
    expected_to: int | None = Field(None, ge=0, le=720)


class CheckpointOrderIn(Schema):
    order: list[int] = Field(..., min_length=1, max_length=100, description="ids of every active checkpoint")


class RouteOut(Schema):
    id: int
    project_id: int
    name: str
    kind: RouteKind
    department: Department
    round_times: str
    window_minutes: int
    weekdays: str
    supervisor_id: int | None
    is_active: bool
    checkpoints: list[CheckpointOut]

    @staticmethod
    def resolve_checkpoints(obj) -> list:
        return [c for c in obj.checkpoints.all() if c.is_active]


class RouteIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=60)
    kind: RouteKind = RouteKind.OTHER
    department: Department = Department.SECURITY
    round_times: str = Field(..., min_length=4, max_length=100)
    window_minutes: int = Field(60, ge=5, le=720)
    weekdays: str = Field("0123456", min_length=1, max_length=7)
    supervisor_id: RefId | None = None
    checkpoints: list[CheckpointIn] = Field(..., min_length=1, max_length=100)


class RoutePatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    kind: RouteKind = None
    department: Department = None
    round_times: str = Field(None, min_length=4, max_length=100)
    window_minutes: int = Field(None, ge=5, le=720)
    weekdays: str = Field(None, min_length=1, max_length=7)
    supervisor_id: RefId | None = None
    is_active: bool = None
    checkpoints: list[CheckpointIn] = Field(None, max_length=100, description="appended after the last point")


class RouteFilter(FilterSchema):
    project_id: RefId | None = None
    kind: RouteKind | None = None
    is_active: bool | None = None


register_crud(
    router,
    name="patrol_route",
    plural="patrol-routes",
    model=PatrolRoute,
    out=RouteOut,
    create_in=RouteIn,
    update_in=RoutePatch,
    filters=RouteFilter,
    orderings=["name", "created_at"],
    view_perm=Perm.VIEW_FACILITIES,
    create=services.route_create,
    update=lambda *, actor, patrol_route, data: services.route_update(
        actor=actor, route=patrol_route, data=data
    ),
    delete=lambda *, actor, patrol_route: services.route_delete(actor=actor, route=patrol_route),
    prefetch_related=("checkpoints",),
)


def _checkpoint(request, route_pk: int, pk: int) -> Checkpoint:
    require(request.user, Perm.VIEW_FACILITIES)
    route = visible_or_404(PatrolRoute.objects.all(), route_pk, request.user)
    return visible_or_404(
        Checkpoint.objects.filter(route=route, is_active=True).select_related("route"), pk, request.user
    )


@router.get(
    "/patrol-routes/{int:route_pk}/checkpoints/{int:pk}",
    response={200: CheckpointOut, **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_get",
    summary="Get a checkpoint of a route",
)
def checkpoint_get(request, route_pk: int, pk: int, response: HttpResponse):
    checkpoint = _checkpoint(request, route_pk, pk)
    response["ETag"] = etag(checkpoint)
    return checkpoint


@router.patch(
    "/patrol-routes/{int:route_pk}/checkpoints/{int:pk}",
    response={200: CheckpointOut, **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_update",
    summary="Update a checkpoint of a route",
)
def checkpoint_update(request, route_pk: int, pk: int, payload: CheckpointPatch, response: HttpResponse):
    """Name, place, building, expected window (minutes after the round starts). Send
    ``If-Match: <ETag>`` to get 409 if someone changed it since. Rounds already generated keep theirs."""
    with transaction.atomic():
        checkpoint = _checkpoint(request, route_pk, pk)
        check_if_match(request, checkpoint)
        services.checkpoint_update(
            actor=request.user, checkpoint=checkpoint, data=payload.model_dump(exclude_unset=True)
        )
    checkpoint = Checkpoint.objects.get(pk=pk)
    response["ETag"] = etag(checkpoint)
    return checkpoint


@router.delete(
    "/patrol-routes/{int:route_pk}/checkpoints/{int:pk}",
    response={204: None, **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_delete",
    summary="Remove a checkpoint from a route",
)
def checkpoint_delete(request, route_pk: int, pk: int):
    """Soft: scans and missed records stay, rounds already generated keep the point. With
    ``If-Match``, 409 if it changed since; 409 for the route's last checkpoint."""
    with transaction.atomic():
        checkpoint = _checkpoint(request, route_pk, pk)
        check_if_match(request, checkpoint)
        services.checkpoint_remove(actor=request.user, checkpoint=checkpoint)
    return 204, None


@router.put(
    "/patrol-routes/{int:route_pk}/checkpoint-order",
    response={200: list[CheckpointOut], **ERROR_RESPONSES},
    operation_id="patrol_checkpoint_order",
    summary="Reorder the checkpoints of a route",
)
def checkpoint_order(request, route_pk: int, payload: CheckpointOrderIn):
    """The route's active checkpoints in the new order (every one, each once; else 422 on ``order``)."""
    require(request.user, Perm.VIEW_FACILITIES)
    route = visible_or_404(PatrolRoute.objects.all(), route_pk, request.user)
    return services.checkpoint_order(actor=request.user, route=route, ids=payload.order)


# Patrol rounds ------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    project_id: int
    route_id: int
    window_start: datetime.datetime
    window_end: datetime.datetime
    assignee_id: int | None
    status: RoundStatus
    checkpoint_count: int
    scanned_count: int
    missed_count: int
    irregular_count: int
    closed_at: datetime.datetime | None


class RoundFilter(FilterSchema):
    project_id: RefId | None = None
    route_id: RefId | None = None
    assignee_id: RefId | None = None
    status: RoundStatus | None = None
    window_start__gte: datetime.datetime | None = None
    window_start__lt: datetime.datetime | None = None


def _rounds(request):
    require(request.user, Perm.VIEW_FACILITIES)
    return PatrolRound.objects.visible_to(request.user)


@router.get(
    "/patrol-rounds",
    response={200: list[RoundOut], **ERROR_RESPONSES},
    operation_id="patrol_round_list",
    summary="List patrol rounds",
)
@paginate(Pagination)
def round_list(request, filters: RoundFilter = Query(...)):
    """Rounds, latest first."""
    return filters.filter(_rounds(request)).order_by("-window_start", "-id")


@router.get(
    "/patrol-rounds/{int:pk}",
    response={200: RoundOut, **ERROR_RESPONSES},
    operation_id="patrol_round_get",
    summary="Get a patrol round",
)
def round_get(request, pk: int):
    return visible_or_404(_rounds(request), pk, request.user)


class ScanOut(Schema):
    id: int
    checkpoint_id: int
    scanned_at: datetime.datetime
    scanned_by_id: int
    staff_id: int | None
    in_window: bool
    in_order: bool


class ScanIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, description="the secret in the checkpoint's QR label")


@router.get(
    "/patrol-rounds/{int:pk}/scans",
    response={200: list[ScanOut], **ERROR_RESPONSES},
    operation_id="patrol_round_scans",
    summary="Scans of a patrol round",
)
def round_scans(request, pk: int):
    patrol = visible_or_404(_rounds(request), pk, request.user)
    return list(CheckpointScan.objects.filter(round=patrol).order_by("scanned_at", "id"))


@router.post(
    "/patrol-rounds/{int:pk}/scans",
    response={201: ScanOut, **ERROR_RESPONSES},
    operation_id="patrol_round_scan",
    summary="Scan a checkpoint in a patrol round",
)
def round_scan(request, pk: int, payload: ScanIn):
    """Records the time and the person; ``in_window``/``in_order`` mark a scan outside the round's
    window or out of the route's order. A checkpoint scanned twice, or a closed round: 409."""
    patrol = visible_or_404(_rounds(request), pk, request.user)
    return 201, services.round_scan(actor=request.user, patrol=patrol, code=payload.code)


class FindingIn(Schema):
    checkpoint_id: RefId
    description: str = Field(..., min_length=1, max_length=2000)
    category_id: RefId | None = None


class FindingOut(Schema):
    id: int
    round_id: int
    checkpoint_id: int
    ticket_id: int
    ticket_number: str = Field(..., alias="ticket.number")


@router.post(
    "/patrol-rounds/{int:pk}/findings",
    response={201: FindingOut, **ERROR_RESPONSES},
    operation_id="patrol_round_finding",
    summary="Report a finding at a checkpoint",
)
def round_finding(request, pk: int, payload: FindingIn):
    """The finding becomes a service request of kind patrol, with the checkpoint's place."""
    patrol = visible_or_404(_rounds(request), pk, request.user)
    finding = services.finding_report(
        actor=request.user,
        patrol=patrol,
        checkpoint_id=payload.checkpoint_id,
        description=payload.description,
        category_id=payload.category_id,
    )
    return 201, PatrolFinding.objects.select_related("ticket").get(pk=finding.pk)
