"""REST resources of rotas under /api/v1/rotas/: shift patterns, posts, the planned shifts (assign,
remove, copy a week forward), the cover gaps, swaps (request, approve, reject), clocking at a post
by its QR token, attendance corrections and the monthly attendance sheet."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.rotas import selectors, services
from guanjia.rotas.choices import ShiftStatus, SwapStatus
from guanjia.rotas.models import Post, Shift, ShiftPattern, SwapRequest
from guanjia.rotas.services.cover import gaps
from guanjia.staff.choices import Department

router = Router(tags=["rotas"])


class RotaPatternOut(Schema):
    id: int
    name: str
    starts_at: datetime.time
    ends_at: datetime.time
    is_active: bool


class RotaPatternIn(Schema):
    name: str = Field(..., min_length=1, max_length=20)
    starts_at: datetime.time
    ends_at: datetime.time
    is_active: bool = True


class RotaPatternPatch(Schema):
    name: str = Field(None, min_length=1, max_length=20)
    starts_at: datetime.time = None
    ends_at: datetime.time = None
    is_active: bool = None


class RotaPatternFilter(FilterSchema):
    is_active: bool | None = None


register_crud(
    router,
    name="rota_pattern",
    plural="rotas/patterns",
    model=ShiftPattern,
    out=RotaPatternOut,
    create_in=RotaPatternIn,
    update_in=RotaPatternPatch,
    filters=RotaPatternFilter,
    orderings=["starts_at", "name"],
    view_perm=Perm.VIEW_ROTAS,
    create=services.pattern_create,
    update=lambda *, actor, rota_pattern, data: services.pattern_update(
        actor=actor, pattern=rota_pattern, data=data
    ),
    delete=None,
)


class RotaPostOut(Schema):
    id: int
    project_id: int
    name: str
    department: Department
    min_cover: int
    pattern_ids: list[int]
    is_active: bool

    @staticmethod
    def resolve_pattern_ids(obj) -> list[int]:
        return sorted(p.pk for p in obj.patterns.all())


class RotaPostIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=40)
    department: Department
    min_cover: int = Field(1, ge=1, le=50)
    pattern_ids: list[RefId] = Field(..., min_length=1)
    is_active: bool = True


class RotaPostPatch(Schema):
    name: str = Field(None, min_length=1, max_length=40)
    department: Department = None
    min_cover: int = Field(None, ge=1, le=50)
    pattern_ids: list[RefId] = Field(None, min_length=1)
    is_active: bool = None


class RotaPostFilter(FilterSchema):
    project_id: RefId | None = None
    department: Department | None = None
    is_active: bool | None = None


register_crud(
    router,
    name="rota_post",
    plural="rotas/posts",
    model=Post,
    out=RotaPostOut,
    create_in=RotaPostIn,
    update_in=RotaPostPatch,
    filters=RotaPostFilter,
    orderings=["name", "department"],
    view_perm=Perm.VIEW_ROTAS,
    create=services.post_create,
    update=lambda *, actor, rota_post, data: services.post_update(actor=actor, post=rota_post, data=data),
    delete=None,
    prefetch_related=("patterns",),
)


class RotaShiftOut(Schema):
    id: int
    project_id: int
    post_id: int
    pattern_id: int
    staff_id: int
    staff_name: str = Field(..., alias="staff.name")
    date: datetime.date
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: ShiftStatus
    clock_in_at: datetime.datetime | None
    clock_out_at: datetime.datetime | None
    late_minutes: int
    worked_minutes: int
    swapped_from_id: int | None


class RotaShiftIn(Schema):
    post_id: RefId
    pattern_id: RefId
    date: datetime.date
    staff_id: RefId


class RotaShiftFilter(FilterSchema):
    project_id: RefId | None = None
    post_id: RefId | None = None
    staff_id: RefId | None = None
    status: ShiftStatus | None = None
    date__gte: datetime.date | None = Field(None, alias="date_from")
    date__lte: datetime.date | None = Field(None, alias="date_to")


def _shift_create(*, actor, data):
    post = visible_or_404(Post.objects, data["post_id"], actor)
    return services.shift_assign(
        actor=actor, post=post, pattern_id=data["pattern_id"], date=data["date"], staff_id=data["staff_id"]
    )


register_crud(
    router,
    name="rota_shift",
    plural="rotas/shifts",
    model=Shift,
    out=RotaShiftOut,
    create_in=RotaShiftIn,
    update_in=None,
    filters=RotaShiftFilter,
    orderings=["starts_at", "date"],
    view_perm=Perm.VIEW_ROTAS,
    create=_shift_create,
    update=None,
    delete=lambda *, actor, rota_shift: services.shift_remove(actor=actor, shift=rota_shift),
    select_related=("staff",),
)


class RotaCopyIn(Schema):
    post_id: RefId
    from_monday: datetime.date
    weeks: int = Field(1, ge=1, le=8)


class RotaCopyOut(Schema):
    created: int
    skipped: list[str]


@router.post(
    "/rotas/copy-week", response={200: RotaCopyOut, **ERROR_RESPONSES}, operation_id="rota_copy_week"
)
def rota_copy_week(request, payload: RotaCopyIn):
    """Copy a post's week (Monday–Sunday) forward; overlaps and people who left are skipped."""
    post = visible_or_404(Post.objects, payload.post_id, request.user)
    return services.rota_copy_week(
        actor=request.user, post=post, from_monday=payload.from_monday, weeks=payload.weeks
    )


class RotaGapOut(Schema):
    post_id: int
    post_name: str
    pattern_id: int
    pattern_name: str
    date: datetime.date
    starts_at: datetime.datetime
    have: int
    need: int
    flagged_step: int


class RotaGapsQuery(FilterSchema):
    # A filter schema, so a date outside the accepted years is named even when others are missing.
    project_id: RefId
    date_from: datetime.date
    date_to: datetime.date


@router.get("/rotas/gaps", response={200: list[RotaGapOut], **ERROR_RESPONSES}, operation_id="rota_gaps")
def rota_gaps(request, query: Query[RotaGapsQuery]):
    """The shifts of a project's posts below their minimum cover in a period (at most 62 days)."""
    require(request.user, Perm.VIEW_ROTAS)
    project_id, date_from, date_to = query.project_id, query.date_from, query.date_to
    if date_to < date_from or (date_to - date_from).days > 62:
        raise ValidationError({"date_to": _("结束日期须在开始日期之后 62 天内")})
    posts = Post.objects.visible_to(request.user).filter(project_id=project_id)
    return [
        RotaGapOut(
            post_id=g.post.pk,
            post_name=g.post.name,
            pattern_id=g.pattern.pk,
            pattern_name=g.pattern.name,
            date=g.date,
            starts_at=g.starts_at,
            have=g.have,
            need=g.need,
            flagged_step=g.escalation_step,
        )
        for g in gaps(posts, date_from, date_to)
    ]


class RotaSwapOut(Schema):
    id: int
    shift_id: int
    requester_id: int
    taker_id: int
    reason: str
    status: SwapStatus
    decided_at: datetime.datetime | None
    decision_note: str


class RotaSwapIn(Schema):
    shift_id: RefId
    taker_id: RefId
    reason: str = Field(..., min_length=1, max_length=200)


class RotaDecisionIn(Schema):
    note: str = Field("", max_length=200)


@router.get(
    "/rotas/swaps", response={200: list[RotaSwapOut], **ERROR_RESPONSES}, operation_id="rota_swap_list"
)
def rota_swap_list(request, status: SwapStatus | None = None):
    """Swaps of the projects in scope (staff without the rota permission: their own)."""
    swaps = SwapRequest.objects.visible_to(request.user)
    scope = scope_for(request.user)
    if Perm.VIEW_ROTAS not in scope.permissions:
        swaps = swaps.filter(requester_id=scope.staff_id or -1)
    if status:
        swaps = swaps.filter(status=status)
    return list(swaps[:200])


@router.post("/rotas/swaps", response={201: RotaSwapOut, **ERROR_RESPONSES}, operation_id="rota_swap_request")
def rota_swap_request(request, payload: RotaSwapIn):
    """Ask that a colleague works one of my shifts; the post's head decides."""
    shift = visible_or_404(
        Shift.objects.select_related("post", "pattern", "staff"), payload.shift_id, request.user
    )
    return 201, services.swap_request(
        actor=request.user, shift=shift, taker_id=payload.taker_id, reason=payload.reason
    )


def _swap(request, pk):
    return visible_or_404(
        SwapRequest.objects.select_related("shift__post", "requester", "taker"), pk, request.user
    )


@router.post(
    "/rotas/swaps/{int:pk}/approve",
    response={200: RotaSwapOut, **ERROR_RESPONSES},
    operation_id="rota_swap_approve",
)
def rota_swap_approve(request, pk: int, payload: RotaDecisionIn):
    return services.swap_approve(actor=request.user, swap=_swap(request, pk), note=payload.note)


@router.post(
    "/rotas/swaps/{int:pk}/reject",
    response={200: RotaSwapOut, **ERROR_RESPONSES},
    operation_id="rota_swap_reject",
)
def rota_swap_reject(request, pk: int, payload: RotaDecisionIn):
    return services.swap_reject(actor=request.user, swap=_swap(request, pk), note=payload.note)


class RotaClockIn(Schema):
    token: str = Field(..., min_length=1, max_length=60)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


@router.post("/rotas/clock", response={200: RotaShiftOut, **ERROR_RESPONSES}, operation_id="rota_clock")
def rota_clock(request, payload: RotaClockIn):
    """Clock in (first time) or out (second time) at the post whose QR token was scanned."""
    return services.clock(actor=request.user, token=payload.token, lat=payload.lat, lng=payload.lng)


class RotaCorrectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)
    status: ShiftStatus = None
    clock_in_at: datetime.datetime | None = None
    clock_out_at: datetime.datetime | None = None


@router.post(
    "/rotas/shifts/{int:pk}/correct",
    response={200: RotaShiftOut, **ERROR_RESPONSES},
    operation_id="rota_shift_correct",
)
def rota_shift_correct(request, pk: int, payload: RotaCorrectIn):
    """The head corrects a shift's attendance with a reason (journaled)."""
    shift = visible_or_404(Shift.objects.select_related("post", "staff"), pk, request.user)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason")
    return services.shift_correct(actor=request.user, shift=shift, data=data, reason=reason)


class RotaAttendanceOut(Schema):
    staff_id: int
    name: str
    department: Department
    planned: int
    worked_hours: float
    late: int
    late_minutes: int
    absent: int
    swapped_in: int
    swapped_out: int


@router.get(
    "/rotas/attendance",
    response={200: list[RotaAttendanceOut], **ERROR_RESPONSES},
    operation_id="rota_attendance",
)
def rota_attendance(
    request,
    month: str = Query(None, pattern=r"^\d{4}-\d{2}$"),
    project_id: RefId | None = None,
    department: Department | None = None,
):
    """The month's attendance per person (default: this month in Shanghai)."""
    require(request.user, Perm.VIEW_ROTAS)
    rows = selectors.attendance_sheet(
        request.user, month=month, project_id=project_id, department=department or ""
    )
    return [
        RotaAttendanceOut(
            staff_id=r["staff_id"],
            name=r["staff__name"],
            department=r["staff__department"],
            planned=r["planned"],
            worked_hours=round(r["worked_minutes"] / 60, 2),
            late=r["late"],
            late_minutes=r["late_minutes"],
            absent=r["absent"],
            swapped_in=r["swapped_in"],
            swapped_out=r["swapped_out"],
        )
        for r in rows[:2000]
    ]
