"""REST resources of feedback: surveys (+ open / close, results), answer sheets, card votes
(+ close a yellow card), monthly and yearly card tallies."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, register_crud
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.feedback import selectors, services
from guanjia.feedback.choices import CardColour, CardTarget, ServiceLine, SurveyStatus, YearRating
from guanjia.feedback.models import CardTally, CardVote, FeeScale, Survey, SurveyResponse

router = Router(tags=["feedback"])


# Surveys ----------------------------------------------------------------------------------------


class SurveyQuestionOut(Schema):
    id: int
    line: ServiceLine
    position: int
    text: str


class SurveyOut(Schema):
    id: int
    title: str
    period: str
    status: SurveyStatus
    opens_on: datetime.date
    closes_on: datetime.date
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    project_ids: list[int]
    questions: list[SurveyQuestionOut]

    @staticmethod
    def resolve_project_ids(obj) -> list[int]:
        return sorted(c.project_id for c in obj.covered.all())

    @staticmethod
    def resolve_questions(obj):
        return sorted(obj.questions.all(), key=lambda q: q.position)


class SurveyQuestionIn(Schema):
    line: ServiceLine
    text: str = Field(..., min_length=1, max_length=200)


PERIOD = r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2])|H[12])?$"


class SurveyIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    period: str = Field(..., pattern=PERIOD, description="2026Q4, 2026-11, 2026H2 or 2026")
    opens_on: datetime.date
    closes_on: datetime.date
    project_ids: list[RefId] = Field(..., min_length=1, max_length=500)
    lines: list[ServiceLine] | None = Field(None, min_length=1, description="default: all four lines")
    questions: list[SurveyQuestionIn] | None = Field(
        None, max_length=100, description="default: the default questions of each line"
    )


class SurveyPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=100)
    period: str | None = Field(None, pattern=PERIOD)
    opens_on: datetime.date | None = None
    closes_on: datetime.date | None = None
    project_ids: list[RefId] | None = Field(None, min_length=1, max_length=500)
    lines: list[ServiceLine] | None = Field(None, min_length=1)
    questions: list[SurveyQuestionIn] | None = Field(None, min_length=1, max_length=100)


class SurveyFilter(FilterSchema):
    status: SurveyStatus | None = None
    period: str | None = Field(None, max_length=20)


def _no_nulls(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


# Surveys are drafted, then opened and closed through their actions; only a draft is changed or
# deleted. Residents read the open and closed surveys of the projects they live in.
register_crud(
    router,
    name="survey",
    model=Survey,
    out=SurveyOut,
    create_in=SurveyIn,
    update_in=SurveyPatch,
    filters=SurveyFilter,
    orderings=["opens_on", "created_at", "id"],
    view_perm=Perm.VIEW_FEEDBACK,
    create=lambda *, actor, data: services.survey_create(actor=actor, data=_no_nulls(data)),
    update=lambda *, actor, survey, data: services.survey_update(actor=actor, survey=survey, data=data),
    delete=services.survey_delete,
    prefetch_related=("covered", "questions"),
    resident_reads=True,
)


def _survey(request, pk: int) -> Survey:
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_FEEDBACK)
    return visible_or_404(Survey.objects.prefetch_related("covered", "questions"), pk, request.user)


@router.post(
    "/surveys/{int:pk}/open",
    response={200: SurveyOut, **ERROR_RESPONSES},
    operation_id="survey_open",
)
def survey_open(request, pk: int):
    """Draft → open: the households are counted and the residents notified (once)."""
    survey = services.survey_open(actor=request.user, survey=_survey(request, pk))
    return _survey(request, survey.pk)


@router.post(
    "/surveys/{int:pk}/close",
    response={200: SurveyOut, **ERROR_RESPONSES},
    operation_id="survey_close",
)
def survey_close(request, pk: int):
    """Open → closed: no more answers."""
    survey = services.survey_close(actor=request.user, survey=_survey(request, pk))
    return _survey(request, survey.pk)


class SurveyCellOut(Schema):
    project_id: int
    line: ServiceLine
    mean: Decimal | None
    answers: int = Field(..., alias="n")
    satisfied_share: Decimal | None


class SurveyProjectResultOut(Schema):
    project_id: int
    project_name: str
    invited: int
    answered: int
    response_rate: Decimal | None
    mean: Decimal | None
    satisfied_share: Decimal | None
    answers: int
    fee_percent: Decimal | None = Field(None, description="pay by satisfaction: % of the management fee")


class SurveyLineResultOut(Schema):
    line: ServiceLine
    mean: Decimal | None
    satisfied_share: Decimal | None
    answers: int


class SurveyResultsOut(Schema):
    survey_id: int
    invited: int
    answered: int
    response_rate: Decimal | None
    projects: list[SurveyProjectResultOut]
    lines: list[SurveyLineResultOut]
    cells: list[SurveyCellOut]


@router.get(
    "/surveys/{int:pk}/results",
    response={200: SurveyResultsOut, **ERROR_RESPONSES},
    operation_id="survey_results",
)
def survey_results(request, pk: int):
    """Response rate (answered / invited households), mean score and share satisfied (4–5) per
    project, per line and per project and line — of the projects the caller serves."""
    require(request.user, Perm.VIEW_FEEDBACK)
    survey = visible_or_404(Survey.objects.all(), pk, request.user)
    return selectors.survey_results(survey, request.user)


# Answer sheets ------------------------------------------------------------------------------------


class SurveyAnswerOut(Schema):
    question_id: int
    line: ServiceLine
    score: int


class SurveyResponseOut(Schema):
    id: int
    survey_id: int
    project_id: int
    unit_id: int
    submitted_at: datetime.datetime
    comment: str
    needs_follow_up: bool
    follow_up_id: int | None
    answers: list[SurveyAnswerOut]

    @staticmethod
    def resolve_answers(obj):
        return sorted(obj.answers.all(), key=lambda a: a.question_id)


class SurveyAnswerIn(Schema):
    question_id: RefId
    score: int = Field(..., ge=1, le=5)


class SurveyResponseIn(Schema):
    survey_id: RefId
    unit_id: RefId
    answers: list[SurveyAnswerIn] = Field(..., min_length=1, max_length=100)
    comment: str = Field("", max_length=2000)


class SurveyResponseFilter(FilterSchema):
    survey_id: int | None = Field(None, ge=1, le=2**63 - 1)
    project_id: int | None = Field(None, ge=1, le=2**63 - 1)
    needs_follow_up: bool | None = None


# A household's answer sheet is submitted once and never changed: no PATCH, no DELETE.
register_crud(
    router,
    name="survey_response",
    plural="survey-responses",
    model=SurveyResponse,
    out=SurveyResponseOut,
    create_in=SurveyResponseIn,
    update_in=None,
    filters=SurveyResponseFilter,
    orderings=["submitted_at", "id"],
    view_perm=Perm.VIEW_FEEDBACK,
    create=services.response_submit,
    update=None,
    delete=None,
    prefetch_related=("answers",),
    resident_reads=True,
)


# Cards ---------------------------------------------------------------------------------------------


class CardOut(Schema):
    id: int
    project_id: int
    unit_id: int
    month: str
    target: CardTarget
    colour: CardColour
    reason: str
    cast_at: datetime.datetime
    deadline: datetime.datetime | None
    owner_id: int | None
    escalated_at: datetime.datetime | None
    response: str
    closed_at: datetime.datetime | None
    overdue: bool

    @staticmethod
    def resolve_month(obj) -> str:
        return obj.month.strftime("%Y-%m")

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.closed_at is None and obj.deadline is not None and obj.deadline < timezone.now()


class CardIn(Schema):
    unit_id: RefId
    target: CardTarget
    colour: CardColour
    month: str | None = Field(None, max_length=10, description="YYYY-MM; only the current month")
    reason: str = Field("", max_length=2000)


class CardFilter(FilterSchema):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    project_id: int | None = Field(None, ge=1, le=2**63 - 1)
    target: CardTarget | None = None
    colour: CardColour | None = None
    open_yellow: bool | None = Field(None, description="only yellow cards for the company not yet closed")
    overdue: bool | None = Field(None, description="only open yellow cards past their rectification deadline")

    def filter_month(self, value):
        if not value:
            return Q()
        month = services.parse_month(value)
        if month is None:
            raise ValidationError({"month": _("月份格式应为 YYYY-MM")})
        return Q(month=month)

    def filter_open_yellow(self, value):
        if value is None:
            return Q()
        condition = Q(target=CardTarget.COMPANY, colour=CardColour.YELLOW, closed_at__isnull=True)
        return condition if value else ~condition

    def filter_overdue(self, value):
        if value is None:
            return Q()
        condition = Q(
            target=CardTarget.COMPANY,
            colour=CardColour.YELLOW,
            closed_at__isnull=True,
            deadline__lt=timezone.now(),
        )
        return condition if value else ~condition


# Cards are cast by residents in their own month and never edited or withdrawn; a yellow card for the
# company is closed with the estate's response (POST /card-votes/{id}/close).
register_crud(
    router,
    name="card_vote",
    plural="card-votes",
    model=CardVote,
    out=CardOut,
    create_in=CardIn,
    update_in=None,
    filters=CardFilter,
    orderings=["cast_at", "deadline", "id"],
    view_perm=Perm.VIEW_FEEDBACK,
    create=services.card_cast,
    update=None,
    delete=None,
    resident_reads=True,
)


class CardCloseIn(Schema):
    response: str = Field(..., min_length=1, max_length=2000)


@router.post(
    "/card-votes/{int:pk}/close",
    response={200: CardOut, **ERROR_RESPONSES},
    operation_id="card_vote_close",
)
def card_close(request, pk: int, payload: CardCloseIn):
    """Answer a yellow card for the company with what was rectified, and close it (staff only)."""
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_FEEDBACK)
    card = visible_or_404(CardVote.objects.all(), pk, request.user)
    return services.card_close(actor=request.user, card=card, response=payload.response)


class CardTallyOut(Schema):
    id: int
    project_id: int
    month: str
    target: CardTarget
    households: int
    blue: int
    yellow: int
    red: int
    published_at: datetime.datetime

    @staticmethod
    def resolve_month(obj) -> str:
        return obj.month.strftime("%Y-%m")


@router.get(
    "/card-tallies",
    response={200: list[CardTallyOut], **ERROR_RESPONSES},
    operation_id="card_tally_list",
)
@paginate(Pagination)
def tally_list(
    request,
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
    project_id: int | None = Query(None, ge=1, le=2**63 - 1),
):
    """The published monthly tallies (公开唱票), newest month first."""
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_FEEDBACK)
    qs = CardTally.objects.visible_to(request.user).order_by("-month", "project_id", "target")
    if month:
        parsed = services.parse_month(month)
        if parsed is None:
            raise ValidationError({"month": _("月份格式应为 YYYY-MM")})
        qs = qs.filter(month=parsed)
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return qs


class CardYearRowOut(Schema):
    project_id: int
    project_name: str
    target: CardTarget
    months: int
    blue: int
    yellow: int
    red: int
    blue_share: Decimal | None
    red_share: Decimal | None
    rating: YearRating


@router.get(
    "/card-tallies/yearly",
    response={200: list[CardYearRowOut], **ERROR_RESPONSES},
    operation_id="card_tally_yearly",
)
def tally_yearly(
    request,
    year: int | None = Query(None, ge=2000, le=2100, description="default: this year"),
    project_id: int | None = Query(None, ge=1, le=2**63 - 1),
):
    """The year's published tallies summed per project and target, with the rating of the company
    and of the owners' committee (excellent: ≥ 80 % blue and ≤ 5 % red; pass: ≥ 60 % and ≤ 15 %)."""
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_FEEDBACK)
    return selectors.yearly_tally(request.user, year or timezone.localdate().year, project_id)


# Pay by satisfaction ----------------------------------------------------------------------------------


class FeeScaleStep(Schema):
    min_satisfied: Decimal = Field(..., ge=0, le=100, decimal_places=2, description="满意率 %, at least")
    fee_percent: Decimal = Field(..., ge=0, le=100, decimal_places=2, description="% of the management fee")


class FeeScaleOut(Schema):
    id: int
    project_id: int
    steps: list[FeeScaleStep]
    published_at: datetime.datetime


class FeeScaleIn(Schema):
    project_id: RefId
    steps: list[FeeScaleStep] = Field(..., min_length=1, max_length=20)


@router.get(
    "/fee-scales",
    response={200: list[FeeScaleOut], **ERROR_RESPONSES},
    operation_id="fee_scale_list",
)
@paginate(Pagination)
def fee_scale_list(request, project_id: int | None = Query(None, ge=1, le=2**63 - 1)):
    """Published pay-by-satisfaction scales (买单式): a quarter's share satisfied → fee percentage."""
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_FEEDBACK)
    qs = FeeScale.objects.visible_to(request.user).order_by("project_id")
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return qs


@router.post(
    "/fee-scales",
    response={201: FeeScaleOut, **ERROR_RESPONSES},
    operation_id="fee_scale_publish",
)
def fee_scale_publish(request, payload: FeeScaleIn):
    """Publish (or replace) a project's scale; thresholds highest first, fees not rising as they fall."""
    scale = services.fee_scale_publish(actor=request.user, data=payload.model_dump())
    return 201, scale
