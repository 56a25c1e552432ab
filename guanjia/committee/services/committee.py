"""The committee's members, meetings and resolutions (业委会 / 会议 / 决议事项)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.committee import files
from guanjia.committee.choices import MemberRole, ResolutionStatus
from guanjia.committee.models import CommitteeMember, Meeting, MeetingFile, Resolution
from guanjia.committee.services.common import _now, moment, staff_in_project, text
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Project, Resident
from guanjia.staff.models import StaffMember

MAX_MEETING_FILES = 10


def _date(data: dict, field: str) -> datetime.date:
    value = data.get(field)
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("日期格式应为 YYYY-MM-DD")}) from None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        raise ValidationError({field: _("此项为必填项")})
    return value


def _member_fields(member: CommitteeMember, data: dict) -> None:
    if "role" in data:
        if data["role"] not in MemberRole.values:
            raise ValidationError({"role": _("职务不正确")})
        member.role = data["role"]
    if "term_start" in data:
        member.term_start = _date(data, "term_start")
    if "term_end" in data:
        member.term_end = _date(data, "term_end")
    if "note" in data:
        member.note = text(data, "note", 200, required=False)


@service
def member_add(*, actor, project: Project, data: dict) -> CommitteeMember:
    """Add an owner of a unit in the project to its committee, with a role and a term."""
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, project.pk)
    resident = Resident.objects.filter(
        pk=data.get("resident_id") or 0, company_id=project.company_id, deleted_at__isnull=True
    ).first()
    owns_here = (
        resident is not None
        and Occupancy.objects.current()
        .filter(resident=resident, project=project, relation=Relation.OWNER)
        .exists()
    )
    if not owns_here:
        raise ValidationError({"resident_id": _("委员必须是本项目房屋的业主")})
    member = CommitteeMember(company_id=project.company_id, project=project, resident=resident)
    _member_fields(member, {"role": MemberRole.MEMBER, **data})
    return save_validated(member)


@service
def member_update(*, actor, member: CommitteeMember, data: dict) -> CommitteeMember:
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, member.project_id)
    member = lock(member)
    unknown = set(data) - {"role", "term_start", "term_end", "note"}
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    _member_fields(member, data)
    return save_validated(member)


def _attendees(meeting: Meeting, ids) -> list[CommitteeMember]:
    ids = {int(i) for i in ids or []}
    found = list(CommitteeMember.objects.filter(project_id=meeting.project_id, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"attendee_ids": _("出席委员必须是本项目业委会的委员")})
    return found


def _meeting_fields(meeting: Meeting, data: dict, *, creating: bool) -> None:
    if creating or "title" in data:
        meeting.title = text(data, "title", 100)
    if creating or "held_at" in data:
        meeting.held_at = moment(data, "held_at")
    if creating or "agenda" in data:
        meeting.agenda = text(data, "agenda", 5000)
    if "place" in data:
        meeting.place = text(data, "place", 100, required=False)
    if "minutes" in data:
        meeting.minutes = text(data, "minutes", 20000, required=False)


@service
def meeting_create(*, actor, project: Project, data: dict) -> Meeting:
    """Call a meeting: title, time, place, agenda (the minutes and attendees come after it)."""
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, project.pk)
    meeting = Meeting(company_id=project.company_id, project=project, created_by=actor)
    _meeting_fields(meeting, data, creating=True)
    save_validated(meeting)
    if "attendee_ids" in data:
        meeting.attendees.set(_attendees(meeting, data["attendee_ids"]))
    return meeting


@service
def meeting_update(*, actor, meeting: Meeting, data: dict) -> Meeting:
    """Change a meeting; record its minutes and who attended."""
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, meeting.project_id)
    meeting = lock(meeting)
    unknown = set(data) - {"title", "held_at", "place", "agenda", "minutes", "attendee_ids"}
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    _meeting_fields(meeting, data, creating=False)
    save_validated(meeting)
    if "attendee_ids" in data:
        meeting.attendees.set(_attendees(meeting, data["attendee_ids"]))
    return meeting


@service
def meeting_attach(*, actor, meeting: Meeting, upload) -> MeetingFile:
    """A file of the minutes (signed scan, PDF): up to ``MAX_MEETING_FILES`` per meeting."""
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, meeting.project_id)
    meeting = lock(meeting)
    if meeting.files.count() >= MAX_MEETING_FILES:
        raise ValidationError({"file": _("每次会议最多 %(n)s 个附件") % {"n": MAX_MEETING_FILES}})
    name, stored, size, content_type = files.store_file(upload, kind="minutes", field="file")
    attached = MeetingFile(
        company_id=meeting.company_id,
        project_id=meeting.project_id,
        meeting=meeting,
        file=stored,
        name=name,
        size=size,
        content_type=content_type,
    )
    return save_validated(attached)


@service
def resolution_create(*, actor, project: Project, data: dict) -> Resolution:
    """A resolution with one owner (a staff member serving the project, or a committee member in
    office) and a deadline in the future."""
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, project.pk)
    resolution = Resolution(company_id=project.company_id, project=project, created_by=actor)
    resolution.title = text(data, "title", 200)
    resolution.detail = text(data, "detail", 5000, required=False)
    resolution.due_at = moment(data, "due_at")
    if resolution.due_at <= _now():
        raise ValidationError({"due_at": _("完成期限必须晚于现在")})
    if data.get("meeting_id"):
        meeting = Meeting.objects.filter(project=project, pk=data["meeting_id"]).first()
        if meeting is None:
            raise ValidationError({"meeting_id": _("会议不存在")})
        resolution.meeting = meeting
    staff_id, member_id = data.get("owner_staff_id"), data.get("owner_member_id")
    if bool(staff_id) == bool(member_id):
        raise ValidationError({"owner_staff_id": _("请指定一位责任人：员工或委员")})
    if staff_id:
        owner = StaffMember.objects.filter(
            pk=staff_id, company_id=project.company_id, projects=project, deleted_at__isnull=True
        ).first()
        if owner is None:
            raise ValidationError({"owner_staff_id": _("责任人必须是服务本项目的员工")})
        resolution.owner_staff = owner
    else:
        member = CommitteeMember.objects.filter(pk=member_id, project=project).first()
        if member is None or not member.in_office:
            raise ValidationError({"owner_member_id": _("责任人必须是本项目在任的业委会委员")})
        resolution.owner_member = member
    return save_validated(resolution)


@service
def resolution_done(*, actor, resolution: Resolution, note: str) -> Resolution:
    """The owner reports it done (a staff owner themselves; for a committee member the committee's
    staff contact records it). Then it waits for someone else to confirm."""
    resolution = lock(resolution)
    staff_in_project(actor, Perm.VIEW_COMMITTEE, resolution.project_id)
    own = resolution.owner_staff_id is not None and resolution.owner_staff_id == scope_for(actor).staff_id
    on_behalf = resolution.owner_member_id is not None and user_can(actor, Perm.MANAGE_COMMITTEE)
    if not (own or on_behalf):
        raise NotAllowed(_("只有责任人可以报告落实"))
    if resolution.status != ResolutionStatus.OPEN:
        raise Conflict(_("决议事项当前为「%(s)s」") % {"s": resolution.get_status_display()})
    resolution.done_note = text({"note": note}, "note", 2000)
    resolution.status = ResolutionStatus.DONE
    resolution.done_at = _now()
    resolution.done_by = actor
    return save_validated(resolution)


@service
def resolution_confirm(*, actor, resolution: Resolution, accept: bool = True, note: str = "") -> Resolution:
    """Someone other than who reported it checks it: confirmed (closed), or sent back to the owner."""
    resolution = lock(resolution)
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, resolution.project_id)
    if resolution.status != ResolutionStatus.DONE:
        raise Conflict(_("决议事项当前为「%(s)s」，不能确认") % {"s": resolution.get_status_display()})
    if resolution.done_by_id == actor.pk:
        raise NotAllowed(_("落实情况须由另一人确认"))
    if accept:
        resolution.status = ResolutionStatus.CONFIRMED
        resolution.confirmed_at = _now()
        resolution.confirmed_by = actor
    else:
        resolution.status = ResolutionStatus.OPEN
        resolution.done_note = f"{resolution.done_note}\n[{_('退回')}] {text({'note': note}, 'note', 500)}"[
            :2000
        ]
        resolution.done_at = None
        resolution.done_by = None
    return save_validated(resolution)
