"""Command posts: a project's post, its commander (the GM), its groups and members, what is missing
in it, and who answers for a position when an incident calls it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.emergencies.choices import Position
from guanjia.emergencies.models import CommandPost, CommandPostMember
from guanjia.estates.models import Project
from guanjia.staff.models import StaffMember, StaffRole


def project_managers(project: Project):
    return (
        StaffMember.objects.filter(projects=project, deleted_at__isnull=True)
        .with_role(Role.PROJECT_MANAGER)
        .order_by("id")
    )


def _staff_for_project(actor, staff_id, project: Project, field: str) -> StaffMember:
    member = visible_reference(StaffMember, staff_id, actor, field=field)
    if not member.projects.filter(pk=project.pk).exists():
        raise ValidationError({field: _("%(name)s 不在本项目服务") % {"name": member.name}})
    return member


def _is_project_manager(member: StaffMember) -> bool:
    return StaffRole.objects.filter(staff=member, role=Role.PROJECT_MANAGER).exists()


@service
def post_ensure(*, actor, project: Project) -> CommandPost:
    """The project's command post, created on first use; the commander defaults to the project's GM."""
    require(actor, Perm.VIEW_EMERGENCIES)
    post = CommandPost.objects.filter(project=project).first()
    if post is not None:
        return post
    require(actor, Perm.CHANGE_EMERGENCIES)
    gm = project_managers(project).first()
    try:
        with transaction.atomic():
            return CommandPost.objects.create(company_id=project.company_id, project=project, commander=gm)
    except IntegrityError:
        return CommandPost.objects.get(project=project)


@service
def post_update(*, actor, post: CommandPost, data: dict) -> CommandPost:
    require(actor, Perm.CHANGE_EMERGENCIES)
    post = lock(post)
    if "commander_id" in data:
        if data["commander_id"] is None:
            post.commander = None
        else:
            member = _staff_for_project(actor, data["commander_id"], post.project, "commander_id")
            if not _is_project_manager(member):
                raise ValidationError({"commander_id": _("总指挥必须是项目总经理")})
            post.commander = member
    for key in ("control_room_phone", "note"):
        if key in data:
            setattr(post, key, (data[key] or "").strip())
    return save_validated(post)


@service
def member_add(*, actor, post: CommandPost, data: dict) -> CommandPostMember:
    require(actor, Perm.CHANGE_EMERGENCIES)
    position = data.get("position")
    if position not in Position.values or position == Position.COMMANDER:
        raise ValidationError({"position": _("请选择岗位或小组（总指挥在指挥部上设置）")})
    member = _staff_for_project(actor, data.get("staff_id"), post.project, "staff_id")
    if CommandPostMember.objects.filter(post=post, position=position, staff=member).exists():
        raise ValidationError({"staff_id": _("%(name)s 已在该岗位") % {"name": member.name}})
    row = CommandPostMember(
        company_id=post.company_id,
        project_id=post.project_id,
        post=post,
        position=position,
        staff=member,
        is_leader=bool(data.get("is_leader")),
        is_standin=bool(data.get("is_standin")),
    )
    return save_validated(row)


@service
def member_remove(*, actor, member: CommandPostMember) -> None:
    require(actor, Perm.CHANGE_EMERGENCIES)
    member.delete()


def _staff_is_gone(member: StaffMember, project_id: int, serving: set[int]) -> bool:
    return member.deleted_at is not None or member.id not in serving


def serving_by_project(project_ids) -> dict[int, set[int]]:
    """Who serves each project (staff ids), in one query."""
    out: dict[int, set[int]] = {pid: set() for pid in project_ids}
    for project_id, staff_id in StaffMember.projects.through.objects.filter(
        project_id__in=list(out)
    ).values_list("project_id", "staffmember_id"):
        out[project_id].add(staff_id)
    return out


def post_gaps(post: CommandPost, plans, *, members=None, serving: set[int] | None = None) -> list[dict]:
    """What is missing in a command post: no commander, a position some plan calls with nobody in
    it, a member who left the company (soft-deleted) or no longer serves the project. Lists pass
    ``members`` (with staff) and ``serving`` fetched for all posts at once."""
    if members is None:
        members = list(post.members.select_related("staff"))
    if serving is None:
        serving = serving_by_project([post.project_id])[post.project_id]
    gaps: list[dict] = []
    commander = post.commander
    if commander is None:
        gaps.append(
            {"position": Position.COMMANDER, "problem": _("未指定总指挥（项目总经理）"), "staff": None}
        )
    elif _staff_is_gone(commander, post.project_id, serving):
        gaps.append(
            {"position": Position.COMMANDER, "problem": _("总指挥已离职或不在本项目"), "staff": commander}
        )
    needed: set[str] = {Position.CONTROL_ROOM}
    for plan in plans:
        for lv in plan.content.get("levels", []):
            needed |= set(lv.get("responders", []))
    needed.discard(Position.COMMANDER)
    active_by_position: dict[str, int] = {}
    for m in members:
        if _staff_is_gone(m.staff, post.project_id, serving):
            gaps.append(
                {
                    "position": m.position,
                    "problem": _("%(name)s 已离职或不在本项目") % {"name": m.staff.name},
                    "staff": m.staff,
                }
            )
        else:
            active_by_position[m.position] = active_by_position.get(m.position, 0) + 1
    for position in Position:
        if position in needed and not active_by_position.get(position):
            gaps.append({"position": position, "problem": _("无人"), "staff": None})
    order = {p: i for i, p in enumerate(Position.values)}
    gaps.sort(key=lambda g: order[g["position"]])
    return gaps


def responders_for(
    post: CommandPost | None, project: Project, position: str
) -> list[tuple[StaffMember, bool]]:
    """Who answers for a position: its members; if none of them is still with the project, its
    stand-ins. The commander is the post's commander, else the project's GMs. (staff, is_stand_in)."""
    if position == Position.COMMANDER:
        if post is not None and post.commander_id and post.commander.deleted_at is None:
            return [(post.commander, False)]
        return [(m, False) for m in project_managers(project)]
    if post is None:
        return []
    rows = [m for m in post.members.all() if m.position == position and m.staff.deleted_at is None]
    serving = set(
        StaffMember.projects.through.objects.filter(project_id=project.pk).values_list(
            "staffmember_id", flat=True
        )
    )
    rows = [m for m in rows if m.staff_id in serving]
    primaries = [(m.staff, False) for m in rows if not m.is_standin]
    return primaries or [(m.staff, True) for m in rows if m.is_standin]
