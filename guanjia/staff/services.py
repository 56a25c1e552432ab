"""Every write to staff members, their roles, projects, skills and duty rota goes through here."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.errors import NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.core.roles import HQ_ROLES, STAFF_ROLES, Perm, Role
from guanjia.core.scoping import forget_scope, require, scope_for
from guanjia.core.services import (
    apply_changes,
    lock,
    save_validated,
    service,
    visible_reference,
)
from guanjia.estates.models import Building, Project
from guanjia.notifications.addresses import channel_address_clear, channel_address_set
from guanjia.staff.models import DutyShift, Skill, StaffMember, StaffRole

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


def _set_wecom_userid(member: StaffMember, *, actor, userid: str | None) -> None:
    """The member's WeCom userid (notifications reach them there): set, or cleared when blank.
    Company administrators only; errors name ``wecom_userid``."""
    if userid is None:
        return
    try:
        if userid.strip():
            channel_address_set(actor=actor, user=member.user, channel="wecom", address=userid)
        else:
            channel_address_clear(actor=actor, user=member.user, channel="wecom")
    except ValidationError as exc:
        raise ValidationError({"wecom_userid": exc.message_dict.get("address", exc.messages)}) from None


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
    wecom_userid = data.pop("wecom_userid", None)
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
    _set_wecom_userid(member, actor=actor, userid=wecom_userid)
    _sync_admin_flag(member)
    return member


@service
def staff_update(*, actor, staff: StaffMember, data: dict) -> StaffMember:
    require(actor, Perm.CHANGE_STAFF)
    member = lock(staff)
    data = dict(data)
    wecom_userid = data.pop("wecom_userid", None)
    relations = {
        k: data.pop(k) for k in ["roles", "project_ids", "butler_building_ids", "skills"] if k in data
    }
    if set(member.roles.values_list("role", flat=True)) & HQ_ROLES:
        require(actor, Perm.ADMIN)
    apply_changes(member, data, allowed=STAFF_FIELDS)
    save_validated(member)
    _set_relations(member, actor=actor, data=relations)
    _set_wecom_userid(member, actor=actor, userid=wecom_userid)
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


# Apps above staff that plan duty in more detail (rotas) register a source here from their
# AppConfig.ready: ``source(project_id, moment) -> (members on duty, departments it rules)``.
_DUTY_SOURCES: list = []


def register_duty_source(source) -> None:
    """Let a higher app answer "who is on duty" for the departments it plans (idempotent)."""
    if source not in _DUTY_SOURCES:
        _DUTY_SOURCES.append(source)


def on_duty(*, project: Project, at: datetime.datetime | None = None):
    """Staff on duty at a project at a moment (now by default): from a registered rota for the
    departments it plans there, by the weekly table (``DutyShift``) for the others."""
    moment = timezone.localtime(at or timezone.now())
    project_id = getattr(project, "pk", project)
    members: list[StaffMember] = []
    ruled: set[str] = set()
    for source in _DUTY_SOURCES:
        found, departments = source(project_id, moment)
        members += [m for m in found if m not in members]
        ruled |= set(departments)
    today, yesterday = moment.weekday(), (moment.weekday() - 1) % 7
    shifts = (
        DutyShift.objects.filter(
            project=project, weekday__in=[today, yesterday], staff__deleted_at__isnull=True
        )
        .exclude(staff__department__in=ruled)
        .select_related("staff")
    )
    members += [s.staff for s in shifts if s.covers(moment) and s.staff not in members]
    return members
