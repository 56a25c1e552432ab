"""Every write to staff members, their roles, projects, skills and duty rota goes through here."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.models import ObjectChange
from guanjia.core.roles import HQ_ROLES, STAFF_ROLES, Perm, require
from guanjia.core.scoping import forget_scope, scope_for
from guanjia.core.services import (
    apply_changes,
    lock,
    save_validated,
    service,
    visible_reference,
)
from guanjia.estates.models import Building, Project
from guanjia.staff.choices import SheetStatus
from guanjia.staff.models import (
    QUARTER_RE,
    DutyShift,
    RankingRow,
    RankingSheet,
    Skill,
    StaffAward,
    StaffMember,
    StaffRole,
    TrainingRecord,
    quarter_bounds,
    quarter_of,
)

STAFF_FIELDS = {"name", "phone", "employee_no", "department", "position"}


def _check_roles(actor, roles: list[str]) -> list[str]:
    invalid = [r for r in roles if r not in STAFF_ROLES]
    if invalid:
        raise ValidationError({"roles": _("未知角色：%(roles)s") % {"roles": ", ".join(invalid)}})
    # Only a company administrator may hand out company-wide (HQ) roles.
    if set(roles) & HQ_ROLES:
        require(actor, Perm.ADMIN)
    return sorted(set(roles))


def _resolve_many(model, ids, actor, field):
    return [visible_reference(model, pk, actor, field=field) for pk in sorted(set(ids or []))]


def _skills_by_name(company_id: int, names: list[str]) -> list[Skill]:
    skills = []
    for name in sorted({n.strip() for n in names or [] if n and n.strip()}):
        skill, _created = Skill.objects.get_or_create(company_id=company_id, name=name[:30])
        skills.append(skill)
    return skills


def _set_relations(member: StaffMember, *, actor, data: dict) -> None:
    """Roles, projects, skills and butler buildings; each change journaled on the member."""
    changes = {}
    if "roles" in data:
        roles = _check_roles(actor, data["roles"])
        before = sorted(member.roles.values_list("role", flat=True))
        if before != roles:
            if set(before) & HQ_ROLES:
                require(actor, Perm.ADMIN)
            StaffRole.objects.filter(staff=member).exclude(role__in=roles).delete()
            for role in roles:
                StaffRole.objects.get_or_create(
                    staff=member, role=role, defaults={"company_id": member.company_id}
                )
            changes["roles"] = [before, roles]
    for key, model, attr in [
        ("project_ids", Project, "projects"),
        ("butler_building_ids", Building, "butler_buildings"),
    ]:
        if key in data:
            objs = _resolve_many(model, data[key], actor, key)
            before = sorted(getattr(member, attr).values_list("id", flat=True))
            after = [o.id for o in objs]
            if before != after:
                getattr(member, attr).set(objs)
                changes[attr] = [before, after]
    if "skills" in data:
        skills = _skills_by_name(member.company_id, data["skills"])
        before = sorted(member.skills.values_list("name", flat=True))
        after = sorted(s.name for s in skills)
        if before != after:
            member.skills.set(skills)
            changes["skills"] = [before, after]
    if changes:
        journal.record(member, ObjectChange.Action.UPDATE, changes)
    forget_scope(member.user)


@service
def staff_create(*, actor, data: dict) -> StaffMember:
    """A new employee with a login. ``password`` is optional: without one they cannot log in yet."""
    require(actor, Perm.CHANGE_STAFF)
    data = dict(data)
    company_id = scope_for(actor).company_id
    username = (data.pop("username", "") or "").strip()
    password = data.pop("password", None)
    if not username:
        raise ValidationError({"username": _("此项为必填项")})
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名已被使用")})
    relations = {
        k: data.pop(k) for k in ["roles", "project_ids", "butler_building_ids", "skills"] if k in data
    }
    relations.setdefault("roles", [])
    if not scope_for(actor).is_hq and not relations.get("project_ids"):
        raise ValidationError({"project_ids": _("请至少选择一个服务项目")})
    user = User(username=username, company_id=company_id, display_name=data.get("name", ""))
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    member = StaffMember(company_id=company_id, user=user)
    apply_changes(member, data, allowed=STAFF_FIELDS)
    save_validated(member, exclude=["user"])
    _set_relations(member, actor=actor, data=relations)
    _sync_admin_flag(member)
    return member


@service
def staff_update(*, actor, staff: StaffMember, data: dict) -> StaffMember:
    require(actor, Perm.CHANGE_STAFF)
    member = lock(staff)
    data = dict(data)
    relations = {
        k: data.pop(k) for k in ["roles", "project_ids", "butler_building_ids", "skills"] if k in data
    }
    if set(member.roles.values_list("role", flat=True)) & HQ_ROLES:
        require(actor, Perm.ADMIN)
    apply_changes(member, data, allowed=STAFF_FIELDS)
    save_validated(member)
    _set_relations(member, actor=actor, data=relations)
    if "name" in data and member.user.display_name != member.name:
        member.user.display_name = member.name
        member.user.save(update_fields=["display_name"])
    _sync_admin_flag(member)
    return member


@service
def staff_delete(*, actor, staff: StaffMember) -> None:
    """The employee leaves: soft delete, login disabled, history kept."""
    require(actor, Perm.CHANGE_STAFF)
    member = lock(staff)
    if member.user_id == actor.pk:
        raise NotAllowed(_("不能删除自己的账号"))
    if set(member.roles.values_list("role", flat=True)) & HQ_ROLES:
        require(actor, Perm.ADMIN)
    member.deleted_at = timezone.now()
    member.save()
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])


def _sync_admin_flag(member: StaffMember) -> None:
    """Company administrators may use the (scoped) Django admin; nobody else."""
    from guanjia.core.roles import Role

    is_admin = member.roles.filter(role=Role.COMPANY_ADMIN).exists()
    if member.user.is_staff != is_admin:
        member.user.is_staff = is_admin
        member.user.save(update_fields=["is_staff"])


@service
def duty_shift_create(*, actor, data: dict) -> DutyShift:
    require(actor, Perm.CHANGE_STAFF)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    member = visible_reference(StaffMember, data.pop("staff_id", None), actor, field="staff_id")
    if not member.projects.filter(pk=project.pk).exists():
        raise ValidationError({"staff_id": _("该员工不服务于此项目")})
    shift = DutyShift(company_id=project.company_id, project=project, staff=member)
    apply_changes(shift, data, allowed={"weekday", "starts_at", "ends_at"})
    return save_validated(shift)


@service
def duty_shift_delete(*, actor, shift: DutyShift) -> None:
    require(actor, Perm.CHANGE_STAFF)
    lock(shift).delete()


def on_duty(*, project: Project, at: datetime.datetime | None = None):
    """Staff on duty at a project at a moment (now by default), by the weekly rota."""
    moment = timezone.localtime(at or timezone.now())
    today, yesterday = moment.weekday(), (moment.weekday() - 1) % 7
    shifts = DutyShift.objects.filter(
        project=project, weekday__in=[today, yesterday], staff__deleted_at__isnull=True
    ).select_related("staff")
    return [s.staff for s in shifts if s.covers(moment)]


# Evaluation: ranking sheets, service-star awards, training records ------------------------------------


def _actor_member_id(actor) -> int | None:
    return scope_for(actor).staff_id if actor is not None else None


def _serving(member: StaffMember, project: Project, field: str) -> None:
    if not member.projects.filter(pk=project.pk).exists():
        raise ValidationError({field: _("%(name)s 不服务于此项目") % {"name": member.name}})


def _check_quarter(quarter: str, *, field: str = "quarter", today: datetime.date, ended: bool = False) -> str:
    """A well-formed quarter that has begun (``ended``: that is over) by ``today``."""
    quarter = (quarter or "").strip().upper()
    if not re.match(QUARTER_RE, quarter) or not 1900 <= int(quarter[:4]) <= 2999:
        raise ValidationError({field: _("季度格式应为 YYYYQn，如 2026Q1")})
    first, last = quarter_bounds(quarter)
    if first > today:
        raise ValidationError({field: _("该季度尚未开始")})
    if ended and last >= today:
        raise ValidationError({field: _("该季度尚未结束，结束后才能排名")})
    return quarter


@service
def ranking_draft(*, actor, project: Project, quarter: str) -> RankingSheet:
    """Draft a project's ranking sheet for a quarter that is over, once: its figures frozen now, ranked in the
    suggested order (``figures.ranking_order``), the most-complained highlighted. A second draft of
    the same project and quarter is a 409 (the unique constraint decides, also between two jobs).
    ``actor`` None: the quarterly job."""
    from guanjia.staff import figures

    if actor is not None:
        require(actor, Perm.REVIEW_STAFF)
        project = visible_reference(Project, project.pk, actor, field="project_id")
    # Figures are frozen once: only a quarter that is over, or its last days would be missing.
    quarter = _check_quarter(quarter, today=timezone.localdate(), ended=True)
    start, end = quarter_bounds(quarter)
    rows = figures.ranking_order(figures.project_figures(project, start, end))
    sheet = RankingSheet(
        company_id=project.company_id,
        project=project,
        quarter=quarter,
        drafted_by_id=_actor_member_id(actor),
    )
    # Fields set here, quarter checked above: the unique constraint is the one check left (409).
    try:
        with transaction.atomic():
            sheet.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(project)s %(quarter)s 的排名表已存在") % {"project": project.name, "quarter": quarter}
        ) from exc
    journal_bulk_create(
        RankingRow.objects.bulk_create(
            [
                RankingRow(
                    company_id=sheet.company_id,
                    project_id=sheet.project_id,
                    sheet=sheet,
                    staff_id=r["staff_id"],
                    rank=rank,
                    handled=r["handled"],
                    deadlines_done=r["deadlines_done"],
                    deadlines_on_time=r["deadlines_on_time"],
                    ratings=r["ratings"],
                    rating_mean=r["rating_mean"],
                    answered=r["answered"],
                    satisfied=r["satisfied"],
                    complaints=r["complaints"],
                    rework=r["rework"],
                    most_complained=r["most_complained"],
                )
                for rank, r in enumerate(rows, start=1)
            ]
        )
    )
    return sheet


def draft_last_quarter(*, today: datetime.date | None = None) -> int:
    """The quarterly job: every project's sheet for the quarter just ended, where there is none yet.
    Idempotent: run twice or late, it drafts nothing more."""
    today = today or timezone.localdate()
    last = quarter_of(quarter_bounds(quarter_of(today))[0] - datetime.timedelta(days=1))
    done = set(RankingSheet.objects.filter(quarter=last).values_list("project_id", flat=True))
    drafted = 0
    for project in Project.objects.exclude(id__in=done).order_by("id"):
        try:
            ranking_draft(actor=None, project=project, quarter=last)
        except Conflict:
            continue  # drafted meanwhile by a manager or another consumer
        drafted += 1
    return drafted


def _not_on_sheet(actor, sheet: RankingSheet, message) -> None:
    staff_id = _actor_member_id(actor)
    if staff_id is not None and RankingRow.objects.filter(sheet=sheet, staff_id=staff_id).exists():
        raise NotAllowed(message)


@service
def ranking_remark(*, actor, row: RankingRow, remark: str) -> RankingRow:
    """A reviewer's remark on one person's row, while the sheet is a draft; never on one's own row."""
    require(actor, Perm.REVIEW_STAFF)
    row = lock(row)
    sheet = lock(row.sheet)  # serialised with its publication: no remark slips in after it
    if row.staff_id == _actor_member_id(actor):
        raise NotAllowed(_("不能评价自己"))
    if sheet.status != SheetStatus.DRAFT:
        raise Conflict(_("排名表已发布，评语不能再修改"))
    row.remark = (remark or "").strip()
    return save_validated(row)


@service
def ranking_publish(*, actor, sheet: RankingSheet, note: str = "") -> RankingSheet:
    """Publish a draft sheet. Only a reviewer who is not ranked on it; publishing is the whole
    effect — the ranking is evidence for a review, nothing follows from it automatically."""
    require(actor, Perm.REVIEW_STAFF)
    sheet = lock(sheet)
    _not_on_sheet(actor, sheet, _("排名表上的人员不能发布本表"))
    if sheet.status != SheetStatus.DRAFT:
        raise Conflict(_("排名表已发布"))
    sheet.status = SheetStatus.PUBLISHED
    sheet.published_at = timezone.now()
    sheet.published_by_id = _actor_member_id(actor)
    if note:
        sheet.note = note.strip()
    return save_validated(sheet)


AWARD_FIELDS = {"kind", "period", "citation"}


@service
def award_create(*, actor, data: dict) -> StaffAward:
    """Name a project's service star of a kind for a quarter (one per kind, project and quarter)."""
    require(actor, Perm.REVIEW_STAFF)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    member = visible_reference(StaffMember, data.pop("staff_id", None), actor, field="staff_id")
    _serving(member, project, "staff_id")
    award = StaffAward(
        company_id=project.company_id, project=project, staff=member, awarded_by_id=_actor_member_id(actor)
    )
    apply_changes(award, data, allowed=AWARD_FIELDS)
    award.period = _check_quarter(award.period, field="period", today=timezone.localdate())
    return save_validated(award)


@service
def award_update(*, actor, award: StaffAward, data: dict) -> StaffAward:
    require(actor, Perm.REVIEW_STAFF)
    award = lock(award)
    data = dict(data)
    if data.get("staff_id") is not None:
        member = visible_reference(StaffMember, data.pop("staff_id"), actor, field="staff_id")
        _serving(member, award.project, "staff_id")
        award.staff = member
    data.pop("staff_id", None)
    apply_changes(award, data, allowed={"citation"})
    return save_validated(award)


@service
def award_delete(*, actor, award: StaffAward) -> None:
    require(actor, Perm.REVIEW_STAFF)
    lock(award).delete()


TRAINING_FIELDS = {"course", "trained_on", "hours", "result", "trainer", "note"}


def _hours(data: dict) -> None:
    if data.get("hours") is not None:
        try:
            data["hours"] = Decimal(str(data["hours"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError({"hours": _("学时应为数字")}) from exc


@service
def training_create(*, actor, data: dict) -> TrainingRecord:
    require(actor, Perm.REVIEW_STAFF)
    data = dict(data)
    member = visible_reference(StaffMember, data.pop("staff_id", None), actor, field="staff_id")
    _hours(data)
    record = TrainingRecord(company_id=member.company_id, staff=member)
    apply_changes(record, data, allowed=TRAINING_FIELDS)
    return save_validated(record)


@service
def training_update(*, actor, training: TrainingRecord, data: dict) -> TrainingRecord:
    require(actor, Perm.REVIEW_STAFF)
    record = lock(training)
    data = dict(data)
    _hours(data)
    apply_changes(record, data, allowed=TRAINING_FIELDS)
    return save_validated(record)


@service
def training_delete(*, actor, training: TrainingRecord) -> None:
    require(actor, Perm.REVIEW_STAFF)
    lock(training).delete()
