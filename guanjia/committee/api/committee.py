"""The committee's members, meetings and resolutions (``/api/v1/committee/…``)."""

import datetime

from ninja import Field, File, Query
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.committee import services
from guanjia.committee.api import router
from guanjia.committee.api.common import _project, _staff
from guanjia.committee.choices import (
    MemberRole,
    ResolutionStatus,
)
from guanjia.committee.models import (
    CommitteeMember,
    Meeting,
    Resolution,
)
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.media import private_url
from guanjia.core.services import visible_or_404

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
