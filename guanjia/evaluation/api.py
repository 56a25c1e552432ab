"""REST resources of staff evaluation: per-person figures, quarterly ranking sheets, service-star
awards and training records. Same paths, operation ids and tag ("staff") as when they lived in
``staff.api``."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, FilterLookup, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import (
    ERROR_RESPONSES,
    FilterSchema,
    Pagination,
    RefId,
    RowSchema,
    Schema,
    register_crud,
)
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.evaluation import figures, services
from guanjia.evaluation.choices import AwardKind, SheetStatus, TrainingResult
from guanjia.evaluation.models import RankingRow, RankingSheet, StaffAward, TrainingRecord
from guanjia.evaluation.rewards_api import router as rewards_router

router = Router(tags=["staff"])
# Rewards and penalties (/evaluation/rewards): their own module, the same tag.
router.add_router("", rewards_router)


QUARTER = r"^\d{4}Q[1-4]$"


class StaffFigureRow(RowSchema):
    staff_id: int
    name: str
    department: str
    employee_no: str
    handled: int = Field(
        ..., description="Requests completed in the range as handler (assignee, else who completed it)"
    )
    deadlines_done: int = Field(..., description="Deadlines (response, on site, complete) done in the range")
    deadlines_on_time: int
    on_time_rate: float | None
    ratings: int
    rating_mean: Decimal | None = Field(..., description="Mean resident rating (1–5) of the requests handled")
    answered: int = Field(
        ..., description="Follow-up calls made in the range about the person's work, satisfied or not"
    )
    satisfied: int = Field(..., description="Of those calls, satisfied")
    satisfied_rate: float | None
    complaints: int = Field(
        ..., description="Complaints received in the range naming the person (被投诉(指名))"
    )
    complaints_assigned: int = Field(
        ..., description="Complaints received in the range the person handles (负责投诉)"
    )
    rework: int = Field(..., description="Rounds of the person's work sent back in the range (返工次数)")
    first_contact_owned: int = Field(
        ..., description="Requests received in the range the person is first-contact owner of (首问负责人)"
    )
    handed_over: int = Field(
        ..., description="First-contact accountability the person handed over in the range"
    )
    owner_followed_up: int = Field(
        ...,
        description="Requests the person owns as first contact whose follow-up call they made in the range",
    )
    most_complained: bool


class StaffFiguresOut(RowSchema):
    project_id: int | None
    from_: datetime.date = Field(..., alias="from")
    to: datetime.date
    rows: list[StaffFigureRow]


class StaffFiguresQuery(Schema):
    project: RefId | None = None
    from_: datetime.date | None = Field(None, alias="from", description="First day (Asia/Shanghai)")
    to: datetime.date | None = Field(None, description="Last day, inclusive (Asia/Shanghai)")
    sort: Literal[figures.SORT_KEYS] = "name"  # type: ignore[valid-type]
    descending: bool = False


@router.get(
    "/staff-figures",
    response={200: StaffFiguresOut, **ERROR_RESPONSES},
    operation_id="staff_figures",
    by_alias=True,
)
def staff_figures(request, q: StaffFiguresQuery = Query(...)):
    """Per-person figures over [``from``, ``to``] (default: the last 90 days), for one project or
    every project the caller sees: requests handled, on-time share, residents' ratings, share
    satisfied at the follow-up call, complaints against them, rework, and first-contact accountability
    (requests owned, handed over, followed up by their owner)."""
    require(request.user, Perm.REVIEW_STAFF)
    query = figures.figure_query(request.user, project_id=q.project, start=q.from_, end=q.to)
    rows = figures.sort_rows(figures.staff_figures(request.user, query), q.sort, q.descending)
    return {
        "project_id": query.project.id if query.project else None,
        "from": query.start,
        "to": query.end,
        "rows": rows,
    }


class RankingRowOut(Schema):
    id: int
    staff_id: int
    staff_name: str = Field(..., alias="staff.name")
    rank: int
    handled: int
    deadlines_done: int
    deadlines_on_time: int
    on_time_rate: float | None
    ratings: int
    rating_mean: Decimal | None
    answered: int
    satisfied: int
    satisfied_rate: float | None
    complaints: int
    complaints_assigned: int
    rework: int
    first_contact_owned: int
    handed_over: int
    owner_followed_up: int
    most_complained: bool
    remark: str


class RankingSheetOut(Schema):
    id: int
    project_id: int
    quarter: str
    status: SheetStatus
    drafted_by_id: int | None
    published_at: datetime.datetime | None
    published_by_id: int | None
    note: str
    created_at: datetime.datetime


class RankingSheetDetailOut(RankingSheetOut):
    rows: list[RankingRowOut]

    @staticmethod
    def resolve_rows(obj):
        return list(obj.rows.select_related("staff").order_by("rank"))


class RankingSheetFilter(FilterSchema):
    project_id: RefId | None = None
    quarter: str | None = Field(None, pattern=QUARTER)
    status: SheetStatus | None = None


class RankingDraftIn(Schema):
    project_id: RefId
    quarter: str = Field(..., pattern=QUARTER)


class PublishIn(Schema):
    note: str = Field("", max_length=2000)


class RemarkIn(Schema):
    remark: str = Field(..., max_length=1000)


def _sheets(request):
    require(request.user, Perm.REVIEW_STAFF)
    return RankingSheet.objects.visible_to(request.user)


@router.get(
    "/ranking-sheets",
    response={200: list[RankingSheetOut], **ERROR_RESPONSES},
    operation_id="ranking_sheet_list",
)
@paginate(Pagination)
def ranking_sheet_list(request, filters: RankingSheetFilter = Query(...)):
    return filters.filter(_sheets(request)).order_by("-quarter", "project_id", "id")


@router.get(
    "/ranking-sheets/{int:pk}",
    response={200: RankingSheetDetailOut, **ERROR_RESPONSES},
    operation_id="ranking_sheet_get",
)
def ranking_sheet_get(request, pk: int):
    """A sheet with its rows in rank order: figures frozen when drafted, the reviewer's remarks."""
    return visible_or_404(_sheets(request), pk, request.user)


@router.post(
    "/ranking-sheets",
    response={201: RankingSheetDetailOut, **ERROR_RESPONSES},
    operation_id="ranking_sheet_draft",
)
def ranking_sheet_draft(request, payload: RankingDraftIn):
    """Draft a project's sheet for a quarter (once: a second draft is a 409)."""
    require(request.user, Perm.REVIEW_STAFF)
    project = visible_or_404(Project.objects, payload.project_id, request.user)
    sheet = services.ranking_draft(actor=request.user, project=project, quarter=payload.quarter)
    return 201, _sheets(request).get(pk=sheet.pk)


@router.post(
    "/ranking-sheets/{int:pk}/publish",
    response={200: RankingSheetDetailOut, **ERROR_RESPONSES},
    operation_id="ranking_sheet_publish",
)
def ranking_sheet_publish(request, pk: int, payload: PublishIn):
    """Publish a draft sheet; someone ranked on it may not (403). Publishing decides nothing."""
    sheet = visible_or_404(_sheets(request), pk, request.user)
    services.ranking_publish(actor=request.user, sheet=sheet, note=payload.note)
    return _sheets(request).get(pk=pk)


@router.patch(
    "/ranking-sheets/{int:pk}/rows/{int:row_pk}",
    response={200: RankingRowOut, **ERROR_RESPONSES},
    operation_id="ranking_row_remark",
)
def ranking_row_remark(request, pk: int, row_pk: int, payload: RemarkIn):
    """The reviewer's remark on one person's row (draft sheets only; never on one's own row)."""
    sheet = visible_or_404(_sheets(request), pk, request.user)
    row = visible_or_404(RankingRow.objects.filter(sheet=sheet), row_pk, request.user)
    services.ranking_remark(actor=request.user, row=row, remark=payload.remark)
    return RankingRow.objects.select_related("staff").get(pk=row.pk)


class AwardOut(Schema):
    id: int
    project_id: int
    kind: AwardKind
    period: str
    staff_id: int
    staff_name: str = Field(..., alias="staff.name")
    citation: str
    awarded_by_id: int | None
    created_at: datetime.datetime


class AwardIn(Schema):
    kind: AwardKind
    period: str = Field(..., pattern=QUARTER)
    project_id: RefId
    staff_id: RefId
    citation: str = Field(..., min_length=1, max_length=300)


class AwardPatch(Schema):
    staff_id: RefId = None
    citation: str = Field(None, min_length=1, max_length=300)


class AwardFilter(FilterSchema):
    project_id: RefId | None = None
    staff_id: RefId | None = None
    kind: AwardKind | None = None
    period: str | None = Field(None, pattern=QUARTER)


register_crud(
    router,
    name="award",
    model=StaffAward,
    out=AwardOut,
    create_in=AwardIn,
    update_in=AwardPatch,
    filters=AwardFilter,
    orderings=["period", "kind", "created_at"],
    view_perm=Perm.VIEW_STAFF,
    create=services.award_create,
    update=services.award_update,
    delete=services.award_delete,
    select_related=("staff",),
)


class TrainingOut(Schema):
    id: int
    staff_id: int
    staff_name: str = Field(..., alias="staff.name")
    course: str
    trained_on: datetime.date
    hours: Decimal
    result: TrainingResult
    trainer: str
    note: str


class TrainingIn(Schema):
    course: str = Field(..., min_length=1, max_length=100)
    staff_id: RefId
    trained_on: datetime.date
    hours: Decimal = Field(..., gt=0, max_digits=5, decimal_places=2)
    result: TrainingResult
    trainer: str = Field("", max_length=60)
    note: str = Field("", max_length=200)


class TrainingPatch(Schema):
    course: str = Field(None, min_length=1, max_length=100)
    trained_on: datetime.date = None
    hours: Decimal = Field(None, gt=0, max_digits=5, decimal_places=2)
    result: TrainingResult = None
    trainer: str = Field(None, max_length=60)
    note: str = Field(None, max_length=200)


class TrainingFilter(FilterSchema):
    staff_id: RefId | None = None
    result: TrainingResult | None = None
    search: Annotated[str | None, FilterLookup(["course__icontains", "trainer__icontains"])] = Field(
        None, max_length=100
    )


register_crud(
    router,
    name="training",
    model=TrainingRecord,
    out=TrainingOut,
    create_in=TrainingIn,
    update_in=TrainingPatch,
    filters=TrainingFilter,
    orderings=["trained_on", "course", "created_at"],
    view_perm=Perm.VIEW_STAFF,
    plural="training-records",
    create=services.training_create,
    update=services.training_update,
    delete=services.training_delete,
    select_related=("staff",),
)
