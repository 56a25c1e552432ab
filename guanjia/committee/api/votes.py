"""Owners' votes, ballots and the explained result (``/api/v1/votes/…``)."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.committee import selectors, services
from guanjia.committee.api import router
from guanjia.committee.api.common import _project, _staff
from guanjia.committee.choices import (
    BallotChannel,
    BallotChoice,
    VoteStatus,
)
from guanjia.committee.models import (
    Ballot,
    Vote,
)
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.errors import Conflict
from guanjia.core.media import private_url
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404

# Votes -------------------------------------------------------------------------------------------


class VoteOut(Schema):
    id: int
    project_id: int
    title: str
    question: str
    special_matter: bool
    status: VoteStatus
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    passed: bool | None


class VoteIn(Schema):
    project_id: RefId
    title: str = Field(..., min_length=1, max_length=120)
    question: str = Field(..., min_length=1, max_length=5000)
    special_matter: bool = False
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class VotePatchIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=120)
    question: str | None = Field(None, min_length=1, max_length=5000)
    special_matter: bool | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None


class VoteFilter(FilterSchema):
    project_id: RefId | None = None
    status: VoteStatus | None = None


class VoteThresholdOut(Schema):
    key: str
    label: str
    value: str
    of: str
    bound: str
    strict: bool
    met: bool
    share: float
    rule: str


class VoteResultOut(Schema):
    final: bool
    special_matter: bool
    units: int
    ballots: int
    total_area: str
    total_heads: int
    voted_area: str
    voted_heads: int
    for_area: str
    for_heads: int
    against_area: str
    against_heads: int
    abstain_area: str
    participation_met: bool
    approval_met: bool
    passed: bool
    reason: str
    why: str
    thresholds: list[VoteThresholdOut]

    @staticmethod
    def resolve_thresholds(obj) -> list:
        return obj["rows"]


class BallotOut(Schema):
    id: int
    vote_id: int
    unit_id: int
    unit: str
    area: str
    choice: BallotChoice
    channel: BallotChannel
    cast_by_id: int
    cast_by: str
    recorded_by: str
    scan: str
    cast_at: datetime.datetime

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.elector.unit_label

    @staticmethod
    def resolve_area(obj) -> str:
        return str(obj.elector.area)

    @staticmethod
    def resolve_cast_by(obj) -> str:
        return obj.cast_by.name

    @staticmethod
    def resolve_recorded_by(obj) -> str:
        return obj.recorded_by.display_name if obj.recorded_by_id else ""

    @staticmethod
    def resolve_scan(obj) -> str:
        return private_url(obj.scan) if obj.scan else ""


class BallotIn(Schema):
    unit_id: RefId
    choice: BallotChoice


def _votes(request):
    if not scope_for(request.user).is_resident:
        _staff(request)
    return Vote.objects.visible_to(request.user)


def _vote(request, pk) -> Vote:
    return visible_or_404(_votes(request), pk, request.user)


@router.get(
    "/votes",
    response={200: list[VoteOut], **ERROR_RESPONSES},
    operation_id="vote_list",
    summary="Owners' votes in scope (residents: the open and closed votes they may vote in)",
)
@paginate(Pagination)
def vote_list(request, filters: VoteFilter = Query(...)):
    return filters.filter(_votes(request)).order_by("-starts_at", "-id")


@router.post(
    "/votes",
    response={201: VoteOut, **ERROR_RESPONSES},
    operation_id="vote_create",
    summary="Draft a vote (special_matter: the art. 278 (6)–(8) matters needing three quarters)",
)
def vote_create(request, payload: VoteIn):
    data = payload.dict()
    project = _project(request, data.pop("project_id"))
    return 201, services.vote_create(actor=request.user, project=project, data=data)


@router.get(
    "/votes/{int:pk}", response={200: VoteOut, **ERROR_RESPONSES}, operation_id="vote_get", summary="One vote"
)
def vote_get(request, pk: int):
    return _vote(request, pk)


@router.patch(
    "/votes/{int:pk}",
    response={200: VoteOut, **ERROR_RESPONSES},
    operation_id="vote_update",
    summary="Change a draft; 409 once open",
)
def vote_update(request, pk: int, payload: VotePatchIn):
    return services.vote_update(
        actor=request.user, vote=_vote(request, pk), data=payload.dict(exclude_unset=True)
    )


@router.post(
    "/votes/{int:pk}/open",
    response={200: VoteOut, **ERROR_RESPONSES},
    operation_id="vote_open",
    summary="Open for ballots: the electorate (units, areas, owners) is frozen now",
)
def vote_open(request, pk: int):
    return services.vote_open(actor=request.user, vote=_vote(request, pk))


@router.post(
    "/votes/{int:pk}/close",
    response={200: VoteOut, **ERROR_RESPONSES},
    operation_id="vote_close",
    summary="Close a vote that has ended and store its count (the job does it too); 409 before the end",
)
def vote_close(request, pk: int):
    return services.vote_close(actor=request.user, vote=_vote(request, pk))


@router.get(
    "/votes/{int:pk}/result",
    response={200: VoteResultOut, **ERROR_RESPONSES},
    operation_id="vote_result",
    summary="The count by area and by head, each threshold of art. 278 explained (live while open)",
)
def vote_result(request, pk: int):
    vote = _vote(request, pk)
    result = selectors.explain(vote)
    if result is None:
        raise Conflict(_("表决尚未开启，没有结果"))
    return result


@router.get(
    "/votes/{int:pk}/ballots",
    response={200: list[BallotOut], **ERROR_RESPONSES},
    operation_id="vote_ballots",
    summary="The ballots with who cast or recorded each and when (residents: their own units')",
)
@paginate(Pagination)
def vote_ballots(request, pk: int):
    return selectors.ballots(request.user, _vote(request, pk))


@router.post(
    "/votes/{int:pk}/ballots",
    response={201: BallotOut, **ERROR_RESPONSES},
    operation_id="ballot_cast",
    summary="A resident casts their unit's ballot: once (409 again), before the end (422 ends_at)",
)
def ballot_cast(request, pk: int, payload: BallotIn):
    ballot = services.ballot_cast(
        actor=request.user, vote=_vote(request, pk), unit_id=payload.unit_id, choice=payload.choice
    )
    return 201, Ballot.objects.select_related("elector", "cast_by", "recorded_by").get(pk=ballot.pk)


@router.post(
    "/votes/{int:pk}/paper-ballots",
    response={201: BallotOut, **ERROR_RESPONSES},
    operation_id="ballot_record",
    summary="The desk records a signed paper ballot (the owner who signed, the choice, its scan)",
)
def ballot_record(
    request,
    pk: int,
    unit_id: RefId = Form(...),
    resident_id: RefId = Form(...),
    choice: BallotChoice = Form(...),
    scan: UploadedFile | None = File(None),
):
    _staff(request)
    ballot = services.ballot_record(
        actor=request.user,
        vote=_vote(request, pk),
        unit_id=unit_id,
        choice=choice,
        resident_id=resident_id,
        scan=scan,
    )
    return 201, Ballot.objects.select_related("elector", "cast_by", "recorded_by").get(pk=ballot.pk)
