"""REST resources of rewards and penalties (奖惩): ``/api/v1/evaluation/rewards``. Lists read what
``rewards.readable`` allows (a person only their own decided records); writes are ``rewards`` calls."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, FilterLookup, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, RowSchema, Schema, ordered
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.evaluation import rewards
from guanjia.evaluation.choices import EvidenceKind, RewardKind, RewardStatus

router = Router(tags=["staff"])

BASE = "/evaluation/rewards"


class RewardEvidenceOut(Schema):
    kind: EvidenceKind
    id: int = Field(..., alias="target_id", description="The request, finding, award or ranking row")


class RewardOut(Schema):
    id: int
    project_id: int
    staff_id: int
    staff_name: str = Field(..., alias="staff.name")
    kind: RewardKind
    reason: str
    occurred_on: datetime.date
    amount: Decimal | None = Field(..., description="Yuan; recorded only, never paid or deducted")
    points: int | None
    status: RewardStatus
    proposed_by_id: int
    proposed_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    decision_note: str
    evidence: list[RewardEvidenceOut]

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


class RewardEvidenceIn(Schema):
    kind: EvidenceKind
    id: RefId


class RewardIn(Schema):
    project_id: RefId
    staff_id: RefId
    kind: RewardKind
    reason: str = Field(..., min_length=1, max_length=1000)
    occurred_on: datetime.date
    amount: Decimal | None = Field(None, description="Yuan, not negative (a penalty is kind=penalty)")
    points: int | None = Field(None, description="Not negative (a penalty is kind=penalty)")
    evidence: list[RewardEvidenceIn] = Field(default_factory=list, max_length=50)


class RewardDecisionIn(Schema):
    note: str = Field("", max_length=1000, description="Required to reject: the reason")


class RewardFilter(FilterSchema):
    project_id: RefId | None = None
    staff_id: RefId | None = None
    kind: RewardKind | None = None
    status: RewardStatus | None = None
    year: Annotated[int | None, FilterLookup("occurred_on__year")] = Field(None, ge=1900, le=2999)


class RewardSummaryRow(RowSchema):
    staff_id: int
    name: str
    department: str
    employee_no: str
    rewards: int
    reward_amount: Decimal
    reward_points: int
    penalties: int
    penalty_amount: Decimal
    penalty_points: int
    net_amount: Decimal
    net_points: int


class RewardSummaryOut(RowSchema):
    year: int
    project_id: int | None
    rows: list[RewardSummaryRow]


class RewardSummaryQuery(Schema):
    year: int = Field(..., ge=1900, le=2999)
    project: RefId | None = None


def _records(request):
    return rewards.readable(request.user).select_related("staff").prefetch_related("evidence")


def _get(request, pk):
    return visible_or_404(_records(request), pk, request.user)


ORDERINGS = ["occurred_on", "proposed_at", "decided_at", "amount", "points"]


@router.get(BASE, response={200: list[RewardOut], **ERROR_RESPONSES}, operation_id="reward_list")
@paginate(Pagination)
def reward_list(request, filters: RewardFilter = Query(...), ordering: str | None = None):
    """Rewards and penalties the caller may read: deciders and reviewers every record of their
    projects, a department head the department's, anyone else only their own decided ones."""
    qs = filters.filter(_records(request)).order_by("-occurred_on", "-id")
    return ordered(qs, ordering, ORDERINGS)


@router.get(
    f"{BASE}/summary",
    response={200: RewardSummaryOut, **ERROR_RESPONSES},
    operation_id="reward_summary",
)
def reward_summary(request, q: RewardSummaryQuery = Query(...)):
    """Per person, the year's approved rewards and penalties: counts, sums of amounts (yuan) and points."""
    if q.project is not None:
        visible_or_404(Project.objects, q.project, request.user)
    rows = rewards.yearly_summary(request.user, q.year, project_id=q.project)
    return {
        "year": q.year,
        "project_id": q.project,
        "rows": [{**r.__dict__, "net_amount": r.net_amount, "net_points": r.net_points} for r in rows],
    }


@router.get(f"{BASE}/{{int:pk}}", response={200: RewardOut, **ERROR_RESPONSES}, operation_id="reward_get")
def reward_get(request, pk: int):
    return _get(request, pk)


@router.post(BASE, response={201: RewardOut, **ERROR_RESPONSES}, operation_id="reward_propose")
def reward_propose(request, payload: RewardIn):
    """Propose a reward or penalty with its evidence (records of the project about the person). The
    project's managers are told it waits on them; it climbs a ladder if left undecided."""
    record = rewards.reward_propose(actor=request.user, data=payload.model_dump())
    return 201, _records(request).get(pk=record.pk)


@router.post(
    f"{BASE}/{{int:pk}}/approve", response={200: RewardOut, **ERROR_RESPONSES}, operation_id="reward_approve"
)
def reward_approve(request, pk: int, payload: RewardDecisionIn):
    """Approve (409 for the proposer, the person, or a record already decided). Nothing follows
    automatically: no pay, no deduction."""
    rewards.reward_approve(actor=request.user, record=_get(request, pk), note=payload.note)
    return _get(request, pk)


@router.post(
    f"{BASE}/{{int:pk}}/reject", response={200: RewardOut, **ERROR_RESPONSES}, operation_id="reward_reject"
)
def reward_reject(request, pk: int, payload: RewardDecisionIn):
    """Reject with a reason (``note``, required)."""
    rewards.reward_reject(actor=request.user, record=_get(request, pk), note=payload.note)
    return _get(request, pk)


@router.post(
    f"{BASE}/{{int:pk}}/withdraw",
    response={200: RewardOut, **ERROR_RESPONSES},
    operation_id="reward_withdraw",
)
def reward_withdraw(request, pk: int):
    """The proposer takes back an undecided proposal."""
    rewards.reward_withdraw(actor=request.user, record=_get(request, pk))
    return _get(request, pk)


class EvidenceOptionOut(Schema):
    kind: EvidenceKind
    id: int
    label: str


@router.get(
    f"{BASE}/evidence-options",
    response={200: list[EvidenceOptionOut], **ERROR_RESPONSES},
    operation_id="reward_evidence_options",
)
def reward_evidence_options(request, project_id: RefId, staff_id: RefId):
    """What a proposal for this person at this project may rest on (the propose form's pickers)."""
    require(request.user, Perm.PROPOSE_REWARDS)
    project = visible_or_404(Project.objects, project_id, request.user)
    member = visible_or_404(rewards.may_propose_for(request.user), staff_id, request.user)
    out = []
    for kind, qs in rewards.evidence_candidates(request.user, project, member).items():
        out += [{"kind": kind, "id": item.pk, "label": rewards.evidence_label(item)} for item in qs[:50]]
    return out
