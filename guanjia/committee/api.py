"""REST API of the committee app (``/api/v1/committee/…``, ``/api/v1/votes/…``,
``/api/v1/suggestions/…``), through the same selectors and services as the console and the portal.
Residents reach their own votes (and cast their ballots) and the suggestion box; everything else is
staff's, scoped by ``visible_to`` like every resource."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.committee import selectors, services
from guanjia.committee.choices import (
    BallotChannel,
    BallotChoice,
    MemberRole,
    ResolutionStatus,
    SuggestionStatus,
    VoteStatus,
)
from guanjia.committee.models import (
    Ballot,
    CommitteeMember,
    Meeting,
    Resolution,
    Suggestion,
    Vote,
)
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.errors import Conflict
from guanjia.core.media import private_url
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404, visible_reference
from guanjia.estates.models import Project

router = Router(tags=["committee"])


def _staff(request) -> None:
    require(request.user, Perm.VIEW_COMMITTEE)


def _project(request, project_id) -> Project:
    return visible_reference(Project, project_id, request.user, field="project_id")


# Members -----------------------------------------------------------------------------------------


class CommitteeMemberOut(Schema):
    id: int
    project_id: int
    resident_id: int
    name: str
    role: MemberRole
    term_start: datetime.date
    term_end: datetime.date
    in_office: bool
    note: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.resident.name


class CommitteeMemberIn(Schema):
    project_id: RefId
    resident_id: RefId
    role: MemberRole = MemberRole.MEMBER
    term_start: datetime.date
    term_end: datetime.date
    note: str = Field("", max_length=200)


class CommitteeMemberPatchIn(Schema):
    role: MemberRole | None = None
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None
    note: str | None = Field(None, max_length=200)


class CommitteeFilter(FilterSchema):
    project_id: RefId | None = None


@router.get(
    "/committee/members",
    response={200: list[CommitteeMemberOut], **ERROR_RESPONSES},
    operation_id="committee_member_list",
    summary="Members of the owners' committees in scope",
)
@paginate(Pagination)
def member_list(request, filters: CommitteeFilter = Query(...)):
    _staff(request)
    qs = CommitteeMember.objects.visible_to(request.user).select_related("resident")
    return filters.filter(qs).order_by("project_id", "role", "id")


@router.post(
    "/committee/members",
    response={201: CommitteeMemberOut, **ERROR_RESPONSES},
    operation_id="committee_member_add",
    summary="Add an owner of the project to its committee (role, term)",
)
def member_add(request, payload: CommitteeMemberIn):
    data = payload.dict()
    project = _project(request, data.pop("project_id"))
    return 201, services.member_add(actor=request.user, project=project, data=data)


@router.patch(
    "/committee/members/{int:pk}",
    response={200: CommitteeMemberOut, **ERROR_RESPONSES},
    operation_id="committee_member_update",
    summary="Change a member's role, term or note",
)
def member_update(request, pk: int, payload: CommitteeMemberPatchIn):
    _staff(request)
    member = visible_or_404(CommitteeMember.objects.select_related("resident"), pk, request.user)
    return services.member_update(actor=request.user, member=member, data=payload.dict(exclude_unset=True))


# Meetings ----------------------------------------------------------------------------------------


class MeetingFileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return private_url(obj.file)


class MeetingOut(Schema):
    id: int
    project_id: int
    title: str
    held_at: datetime.datetime
    place: str
    agenda: str
    minutes: str
    attendee_ids: list[int]
    files: list[MeetingFileOut]

    @staticmethod
    def resolve_attendee_ids(obj) -> list[int]:
        return [m.pk for m in obj.attendees.all()]

    @staticmethod
    def resolve_files(obj) -> list:
        return list(obj.files.all())


class MeetingIn(Schema):
    project_id: RefId
    title: str = Field(..., min_length=1, max_length=100)
    held_at: datetime.datetime
    place: str = Field("", max_length=100)
    agenda: str = Field(..., min_length=1, max_length=5000)
    attendee_ids: list[RefId] = []


class MeetingPatchIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=100)
    held_at: datetime.datetime | None = None
    place: str | None = Field(None, max_length=100)
    agenda: str | None = Field(None, min_length=1, max_length=5000)
    minutes: str | None = Field(None, max_length=20000)
    attendee_ids: list[RefId] | None = None


def _meeting(request, pk) -> Meeting:
    _staff(request)
    return visible_or_404(Meeting.objects.prefetch_related("attendees", "files"), pk, request.user)


@router.get(
    "/committee/meetings",
    response={200: list[MeetingOut], **ERROR_RESPONSES},
    operation_id="committee_meeting_list",
    summary="Committee meetings in scope, newest first",
)
@paginate(Pagination)
def meeting_list(request, filters: CommitteeFilter = Query(...)):
    _staff(request)
    qs = Meeting.objects.visible_to(request.user).prefetch_related("attendees", "files")
    return filters.filter(qs).order_by("-held_at", "-id")


@router.post(
    "/committee/meetings",
    response={201: MeetingOut, **ERROR_RESPONSES},
    operation_id="committee_meeting_create",
    summary="Call a meeting with its agenda",
)
def meeting_create(request, payload: MeetingIn):
    data = payload.dict()
    project = _project(request, data.pop("project_id"))
    meeting = services.meeting_create(actor=request.user, project=project, data=data)
    return 201, _meeting(request, meeting.pk)


@router.get(
    "/committee/meetings/{int:pk}",
    response={200: MeetingOut, **ERROR_RESPONSES},
    operation_id="committee_meeting_get",
    summary="One meeting",
)
def meeting_get(request, pk: int):
    return _meeting(request, pk)


@router.patch(
    "/committee/meetings/{int:pk}",
    response={200: MeetingOut, **ERROR_RESPONSES},
    operation_id="committee_meeting_update",
    summary="Change a meeting; record its minutes and attendees",
)
def meeting_update(request, pk: int, payload: MeetingPatchIn):
    meeting = _meeting(request, pk)
    services.meeting_update(actor=request.user, meeting=meeting, data=payload.dict(exclude_unset=True))
    return _meeting(request, pk)


@router.post(
    "/committee/meetings/{int:pk}/files",
    response={201: MeetingFileOut, **ERROR_RESPONSES},
    operation_id="committee_meeting_attach",
    summary="Attach a file of the minutes (PDF, JPEG, PNG, WebP; checked by content)",
)
def meeting_attach(request, pk: int, file: UploadedFile = File(...)):
    meeting = _meeting(request, pk)
    return 201, services.meeting_attach(actor=request.user, meeting=meeting, upload=file)


# Resolutions -------------------------------------------------------------------------------------


class ResolutionOut(Schema):
    id: int
    project_id: int
    meeting_id: int | None
    title: str
    detail: str
    owner_staff_id: int | None
    owner_member_id: int | None
    owner_name: str
    due_at: datetime.datetime
    overdue: bool
    status: ResolutionStatus
    done_at: datetime.datetime | None
    done_by_id: int | None
    done_note: str
    confirmed_at: datetime.datetime | None
    confirmed_by_id: int | None
    escalation_step: int


class ResolutionIn(Schema):
    project_id: RefId
    meeting_id: RefId | None = None
    title: str = Field(..., min_length=1, max_length=200)
    detail: str = Field("", max_length=5000)
    owner_staff_id: RefId | None = None
    owner_member_id: RefId | None = None
    due_at: datetime.datetime


class ResolutionDoneIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000)


class ResolutionConfirmIn(Schema):
    accept: bool = True
    note: str = Field("", max_length=500)


class ResolutionFilter(FilterSchema):
    project_id: RefId | None = None
    status: ResolutionStatus | None = None


def _resolution(request, pk) -> Resolution:
    _staff(request)
    qs = Resolution.objects.select_related("owner_staff", "owner_member__resident")
    return visible_or_404(qs, pk, request.user)


@router.get(
    "/committee/resolutions",
    response={200: list[ResolutionOut], **ERROR_RESPONSES},
    operation_id="committee_resolution_list",
    summary="Resolutions in scope, the earliest deadline first",
)
@paginate(Pagination)
def resolution_list(request, filters: ResolutionFilter = Query(...)):
    _staff(request)
    qs = Resolution.objects.visible_to(request.user).select_related("owner_staff", "owner_member__resident")
    return filters.filter(qs).order_by("status", "due_at", "id")


@router.post(
    "/committee/resolutions",
    response={201: ResolutionOut, **ERROR_RESPONSES},
    operation_id="committee_resolution_create",
    summary="A resolution with one owner (staff or committee member) and a deadline",
)
def resolution_create(request, payload: ResolutionIn):
    data = payload.dict()
    project = _project(request, data.pop("project_id"))
    resolution = services.resolution_create(actor=request.user, project=project, data=data)
    return 201, _resolution(request, resolution.pk)


@router.get(
    "/committee/resolutions/{int:pk}",
    response={200: ResolutionOut, **ERROR_RESPONSES},
    operation_id="committee_resolution_get",
    summary="One resolution",
)
def resolution_get(request, pk: int):
    return _resolution(request, pk)


@router.post(
    "/committee/resolutions/{int:pk}/done",
    response={200: ResolutionOut, **ERROR_RESPONSES},
    operation_id="committee_resolution_done",
    summary="The owner reports it done (then someone else confirms)",
)
def resolution_done(request, pk: int, payload: ResolutionDoneIn):
    services.resolution_done(actor=request.user, resolution=_resolution(request, pk), note=payload.note)
    return _resolution(request, pk)


@router.post(
    "/committee/resolutions/{int:pk}/confirm",
    response={200: ResolutionOut, **ERROR_RESPONSES},
    operation_id="committee_resolution_confirm",
    summary="Confirm (close) or send back a reported resolution; not by who reported it",
)
def resolution_confirm(request, pk: int, payload: ResolutionConfirmIn):
    services.resolution_confirm(
        actor=request.user, resolution=_resolution(request, pk), accept=payload.accept, note=payload.note
    )
    return _resolution(request, pk)


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


# Suggestions -------------------------------------------------------------------------------------


class SuggestionOut(Schema):
    id: int
    project_id: int
    mine: bool
    resident: str
    body: str
    public: bool
    photo: str
    submitted_at: datetime.datetime
    due_at: datetime.datetime
    overdue: bool
    status: SuggestionStatus
    answer: str
    answer_public: bool
    answered_at: datetime.datetime | None

    @staticmethod
    def resolve_mine(obj, context) -> bool:
        return obj.resident_id == scope_for(context["request"].user).resident_id

    @staticmethod
    def resolve_resident(obj, context) -> str:
        scope = scope_for(context["request"].user)
        # Residents read others' public suggestions without their names.
        return obj.resident.name if scope.is_staff or obj.resident_id == scope.resident_id else ""

    @staticmethod
    def resolve_photo(obj) -> str:
        return private_url(obj.thumbnail) if obj.thumbnail else ""


class SuggestionAnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=2000)
    public: bool = False


class SuggestionFilter(FilterSchema):
    project_id: RefId | None = None
    status: SuggestionStatus | None = None


def _suggestions(request):
    if not scope_for(request.user).is_resident:
        _staff(request)
    return Suggestion.objects.visible_to(request.user).select_related("resident")


@router.get(
    "/suggestions",
    response={200: list[SuggestionOut], **ERROR_RESPONSES},
    operation_id="suggestion_list",
    summary="The suggestion box (residents: their own and the publicly answered ones of their estate)",
)
@paginate(Pagination)
def suggestion_list(request, filters: SuggestionFilter = Query(...)):
    return filters.filter(_suggestions(request)).order_by("-submitted_at", "-id")


@router.post(
    "/suggestions",
    response={201: SuggestionOut, **ERROR_RESPONSES},
    operation_id="suggestion_submit",
    summary="A resident puts a suggestion in the box (text, optional photo, public or not)",
)
def suggestion_submit(
    request,
    body: str = Form(..., min_length=1, max_length=2000),
    public: bool = Form(True),
    project_id: RefId | None = Form(None),
    photo: UploadedFile | None = File(None),
):
    data = {"body": body, "public": public, "project_id": project_id}
    suggestion = services.suggestion_submit(actor=request.user, data=data, photo=photo)
    return 201, visible_or_404(_suggestions(request), suggestion.pk, request.user)


@router.get(
    "/suggestions/{int:pk}",
    response={200: SuggestionOut, **ERROR_RESPONSES},
    operation_id="suggestion_get",
    summary="One suggestion",
)
def suggestion_get(request, pk: int):
    return visible_or_404(_suggestions(request), pk, request.user)


@router.post(
    "/suggestions/{int:pk}/answer",
    response={200: SuggestionOut, **ERROR_RESPONSES},
    operation_id="suggestion_answer",
    summary="Answer once, publicly (every resident of the estate reads it) or to the resident alone",
)
def suggestion_answer(request, pk: int, payload: SuggestionAnswerIn):
    suggestion = visible_or_404(_suggestions(request), pk, request.user)
    services.suggestion_answer(
        actor=request.user, suggestion=suggestion, answer=payload.answer, public=payload.public
    )
    return visible_or_404(_suggestions(request), pk, request.user)
