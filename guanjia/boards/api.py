"""Boards and figures as JSON: the project board, the HQ 24-hour board and the figures table."""

import datetime
from typing import Literal

from ninja import Field, Query, Router
from ninja.decorators import decorate_view

from guanjia.boards import selectors
from guanjia.core.api import ERROR_RESPONSES, RowSchema, Schema, json_answer
from guanjia.core.replica import replica_reads

router = Router(tags=["boards"])


class BoardProjectRef(RowSchema):
    id: int
    name: str
    code: str


class StatusCount(RowSchema):
    status: str
    label: str
    count: int


class StageCount(RowSchema):
    stage: str
    label: str
    count: int


class Satisfaction(RowSchema):
    count: int
    mean: float | None
    distribution: list[int] = Field(..., description="Counts of scores 1, 2, 3, 4, 5")


class ProjectBoardOut(RowSchema):
    project: BoardProjectRef
    now: datetime.datetime
    open_total: int
    open_by_status: list[StatusCount]
    overdue_total: int = Field(
        ..., description="Requests with a clock running late (the list's overdue filter)"
    )
    overdue_deadlines: int = Field(..., description="Late deadlines (a request can have several)")
    overdue_by_stage: list[StageCount]
    due_soon_total: int = Field(..., description="Requests with a running clock due within the hour")
    due_soon_by_stage: list[StageCount]
    urgent_open: int
    completed_today: int
    satisfaction_days: int
    follow_up_score: Satisfaction
    rating: Satisfaction


class HqRow(RowSchema):
    project: BoardProjectRef
    open: int
    urgent_open: int
    overdue_total: int = Field(
        ..., description="Requests with a clock running late (the list's overdue filter)"
    )
    overdue_deadlines: int = Field(..., description="Late deadlines (a request can have several)")
    overdue_by_stage: list[StageCount]
    oldest_overdue: datetime.datetime | None


class HqTotals(RowSchema):
    open: int
    urgent_open: int
    overdue_total: int
    overdue_deadlines: int
    overdue_by_stage: list[StageCount]


class HqBoardOut(RowSchema):
    now: datetime.datetime
    rows: list[HqRow]
    totals: HqTotals


class StageRate(RowSchema):
    stage: str
    label: str
    done: int = Field(..., description="Clocks judged: met in the period, or ran out of time in it")
    on_time: int = Field(..., description="Clocks done by their due moment in the period")
    missed: int = Field(
        ..., description="Clocks that ran out of time in the period (done late or still running)"
    )
    stopped: int = Field(
        ..., description="Clocks stopped with time left (request cancelled or reopened): not in the rate"
    )
    rate: float | None = Field(..., description="on_time / done")


class StageTime(RowSchema):
    stage: str
    label: str
    count: int = Field(..., description="First-round clocks of the stage done in the period")
    mean: float | None = Field(..., description="Minutes from receipt, hold excluded")
    median: float | None
    p90: float | None = Field(..., description="90th percentile (continuous), minutes")


class FigureRow(RowSchema):
    period: datetime.date
    key: str | None
    label: str
    completed: int
    on_time: list[StageRate]
    follow_up_rate: float | None = Field(description="Of requests completed in the period, share called back")
    follow_up_calls: int = Field(description="Follow-up calls made in the period, satisfied or not")
    follow_up_satisfied: int = Field(description="Of those calls, satisfied")
    follow_up_satisfied_rate: float | None
    follow_up_score: Satisfaction = Field(description="Scores of the calls made in the period")
    rating: Satisfaction
    rework: int = Field(description="Rounds of work sent back in the period (unsatisfied call, reopen)")
    rework_rate: float | None = Field(description="Of requests completed in the period, share reworked")
    complaints: int = Field(description="Complaints received in the period, by their handler (负责投诉)")
    complaints_named: int = Field(
        description="Complaints received in the period naming a person (被投诉(指名))"
    )
    households: int = Field(description="Units occupied on the row's last day (docs/figures.md)")
    complaints_per_1000: float | None
    complaints_named_per_1000: float | None
    times: list[StageTime]
    response_minutes: float | None = Field(..., description="Mean of times[response]")
    arrive_minutes: float | None = Field(..., description="Mean of times[on_site]")
    complete_minutes: float | None = Field(..., description="Mean of times[complete]")


class FiguresOut(RowSchema):
    group_by: str
    period: str
    from_: datetime.date = Field(..., alias="from")
    to: datetime.date
    rows: list[FigureRow]


class FiguresQuery(Schema):
    group_by: Literal["project", "department", "category", "person"] = "project"
    period: Literal["day", "week", "month", "quarter"] = "month"
    from_: datetime.date | None = Field(None, alias="from", description="First day (Asia/Shanghai)")
    to: datetime.date | None = Field(None, description="Last day, inclusive (Asia/Shanghai)")


@router.get(
    "/boards/projects/{int:pk}",
    response={200: ProjectBoardOut, **ERROR_RESPONSES},
    operation_id="board_project",
)
@decorate_view(replica_reads)
def project_board(request, pk: int):
    """A project's board: open requests by status, overdue and due-within-the-hour deadlines by
    stage, today's completions, and the last 30 days' satisfaction."""
    return selectors.project_board(request.user, pk)


@router.get("/boards/hq", response={200: HqBoardOut, **ERROR_RESPONSES}, operation_id="board_hq")
@decorate_view(replica_reads)
def hq_board(request):
    """The HQ 24-hour board: one row per visible project (open, overdue by stage, oldest overdue,
    urgent open), the longest-overdue project first."""
    return selectors.hq_board(request.user)


@router.get("/figures", response={200: FiguresOut, **ERROR_RESPONSES}, operation_id="figures", by_alias=True)
@decorate_view(replica_reads)
def figures(request, q: FiguresQuery = Query(...)):
    """Service figures by ``group_by`` and ``period`` over [``from``, ``to``] (default: the last
    90 days, from the first day of the period they begin in): on-time rate per stage, follow-up calls and rates, rework, satisfaction, complaints
    (by handler and naming a person) per 1,000 households, minutes to respond, arrive and complete
    (first round, hold excluded: mean, median, 90th percentile). docs/figures.md gives each figure's
    formula."""
    params = selectors.figure_params(group_by=q.group_by, period=q.period, start=q.from_, end=q.to)
    return json_answer(FiguresOut, selectors.figures(request.user, params))
