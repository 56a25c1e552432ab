"""Every change of emergencies goes through here: plans and their versions, command posts,
incidents (open → chain → acknowledge → checklists → level, command hand-over → aftermath → close),
and drills. Rules live here; views, API, commands and jobs only call these functions."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.roles import HQ_ROLES, Perm, Role, require, user_can
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.emergencies.choices import (
    TIER,
    CallResult,
    CommandHolder,
    DocumentKind,
    DrillStatus,
    EventKind,
    IncidentStatus,
    LogKind,
    Position,
)
from guanjia.emergencies.models import (
    ChecklistItem,
    CommandPost,
    CommandPostMember,
    Drill,
    EmergencyPlan,
    FollowUpCall,
    Incident,
    IncidentEquipment,
    IncidentLog,
    IncidentReport,
    IncidentTicket,
    PlanVersion,
    Recall,
    Statement,
    Summons,
    SupportingDocument,
)
from guanjia.estates.models import Building, Occupancy, Project, Unit
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember, StaffRole

DEFAULTS_FILE = Path(__file__).parent / "data" / "default_plans.json"
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def _now() -> datetime.datetime:
    """The present. One seam, so tests can open an incident at 02:00."""
    return timezone.now()


def recall_minutes() -> int:
    """Who has not acknowledged after this many minutes is called again (and shown in red)."""
    return int(getattr(settings, "GUANJIA_EMERGENCY_RECALL_MINUTES", 5))


def max_recalls() -> int:
    return int(getattr(settings, "GUANJIA_EMERGENCY_MAX_RECALLS", 3))


def is_night(moment: datetime.datetime) -> bool:
    """Night (夜间) is 20:00–08:00 local time unless settings say otherwise."""
    start, end = getattr(settings, "GUANJIA_EMERGENCY_NIGHT", (20, 8))
    hour = timezone.localtime(moment).hour
    return hour >= start or hour < end


# --- plans -------------------------------------------------------------------------------------


def default_plans() -> list[dict]:
    """The shipped plans: the four of seed 000 and four templates (data/default_plans.json)."""
    with DEFAULTS_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)["plans"]


def _content_of(entry: dict) -> dict:
    skip = {"kind", "name", "is_template", "responsible_department"}
    return {k: v for k, v in entry.items() if k not in skip}


@service
def plans_ensure_defaults(*, company, actor=None) -> int:
    """Give a company the default plans it does not have yet; return how many were created.
    Idempotent: a company's edited plan is never overwritten."""
    existing = set(EmergencyPlan.objects.filter(company=company).values_list("kind", flat=True))
    created = 0
    for entry in default_plans():
        if entry["kind"] in existing:
            continue
        plan = EmergencyPlan.objects.create(
            company=company,
            kind=entry["kind"],
            name=entry["name"],
            is_template=entry["is_template"],
            responsible_department=entry["responsible_department"],
            content=_content_of(entry),
        )
        PlanVersion.objects.create(
            company=company, plan=plan, number=1, name=plan.name, content=plan.content, created_by=actor
        )
        created += 1
    return created


def _validate_content(content) -> dict:
    """A plan's text as data: exactly three levels, each with who decides and who responds (known
    positions); duties per known position as lists of non-empty lines."""
    if not isinstance(content, dict):
        raise ValidationError({"content": _("预案内容必须是对象")})
    levels = content.get("levels")
    if (
        not isinstance(levels, list)
        or not all(isinstance(lv, dict) for lv in levels)
        or sorted(str(lv.get("level")) for lv in levels) != ["1", "2", "3"]
        or not all(isinstance(lv.get("level"), int) for lv in levels)
    ):
        raise ValidationError({"content": _("预案必须恰好有一、二、三级三个响应级别")})
    positions = set(Position.values)
    for lv in levels:
        responders = lv.get("responders")
        if (
            not isinstance(responders, list)
            or not responders
            or not all(isinstance(r, str) for r in responders)
        ):
            raise ValidationError({"content": _("第%(n)s级必须指定响应人员") % {"n": lv["level"]}})
        unknown = set(responders) - positions
        if unknown:
            raise ValidationError(
                {"content": _("未知的岗位/小组：%(p)s") % {"p": ", ".join(sorted(unknown))}}
            )
        if not isinstance(lv.get("decides"), str) or lv["decides"] not in positions | {"company"}:
            raise ValidationError({"content": _("第%(n)s级必须指定决策人") % {"n": lv["level"]}})
        condition = lv.get("condition", "")
        if not isinstance(condition, str) or len(condition) > 300:
            raise ValidationError(
                {"content": _("第%(n)s级的启动条件必须是300字以内的文字") % {"n": lv["level"]}}
            )
        if not isinstance(lv.get("name", ""), str) or not isinstance(lv.get("notify_hq", False), bool):
            raise ValidationError({"content": _("第%(n)s级的名称或通知总部设置无效") % {"n": lv["level"]}})
    duties = content.get("duties", {})
    if not isinstance(duties, dict) or set(duties) - positions:
        raise ValidationError({"content": _("职责清单只能按岗位/小组填写")})
    for items in duties.values():
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ValidationError({"content": _("职责清单的每一项必须是非空文字")})
        if any(len(i) > 300 for i in items):
            raise ValidationError({"content": _("职责清单的每一项不能超过300字")})
    for key in ("general_procedure", "night_procedure", "aftermath", "documents"):
        value = content.get(key, [])
        if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
            raise ValidationError({"content": _("%(key)s 必须是文字列表") % {"key": key}})
    return content


@service
def plan_create(*, actor, data: dict) -> EmergencyPlan:
    require(actor, Perm.CHANGE_EMERGENCIES)
    company_id = scope_for(actor).company_id
    kind = data.get("kind")
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("请选择事件类别")})
    if EmergencyPlan.objects.filter(company_id=company_id, kind=kind).exists():
        raise Conflict(_("该类别已有预案，请修改现有预案"))
    content = _validate_content(data.get("content"))
    plan = EmergencyPlan(
        company_id=company_id,
        kind=kind,
        name=(data.get("name") or "").strip(),
        is_template=bool(data.get("is_template", False)),
        responsible_department=data.get("responsible_department") or Department.SECURITY,
        content=content,
    )
    save_validated(plan)
    PlanVersion.objects.create(
        company_id=company_id, plan=plan, number=1, name=plan.name, content=content, created_by=actor
    )
    return plan


@service
def plan_update(*, actor, plan: EmergencyPlan, data: dict) -> EmergencyPlan:
    """Edit a plan: the text changes and a new version is written; incidents keep theirs."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    plan = lock(plan)
    allowed = {"name", "content", "is_active", "is_template", "responsible_department"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    if "content" in data:
        data["content"] = _validate_content(data["content"])
    for key, value in data.items():
        setattr(plan, key, value)
    if data.get("name") is not None:
        plan.name = data["name"].strip()
    plan.version += 1
    save_validated(plan)
    PlanVersion.objects.create(
        company_id=plan.company_id,
        plan=plan,
        number=plan.version,
        name=plan.name,
        content=plan.content,
        created_by=actor,
    )
    return plan


@service
def plan_delete(*, actor, plan: EmergencyPlan) -> None:
    require(actor, Perm.CHANGE_EMERGENCIES)
    plan = lock(plan)
    if Incident.objects.filter(plan=plan).exists() or Drill.objects.filter(plan=plan).exists():
        raise Conflict(_("预案已被事件或演练使用，不能删除；请停用"))
    SupportingDocument.objects.filter(plan=plan).delete()
    plan.delete()


# --- command posts -----------------------------------------------------------------------------


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


def project_managers(project: Project):
    return (
        StaffMember.objects.filter(projects=project, deleted_at__isnull=True)
        .with_role(Role.PROJECT_MANAGER)
        .order_by("id")
    )


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


@service
def document_add(*, actor, project: Project, data: dict, upload) -> SupportingDocument:
    """Attach a supporting document (evacuation plan, valve locations …) of a project to a plan."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    plan = visible_reference(EmergencyPlan, data.get("plan_id"), actor, field="plan_id")
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题")})
    kind = data.get("kind") or DocumentKind.OTHER
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("请选择类别")})
    if upload is None:
        raise ValidationError({"file": _("请选择文件")})
    suffix = Path(getattr(upload, "name", "") or "").suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise ValidationError({"file": _("只支持 PDF、图片、Word、Excel 或文本文件")})
    size = getattr(upload, "size", 0) or 0
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": _("文件不能超过 20 MB")})
    content = upload.read()
    if not content:
        raise ValidationError({"file": _("文件是空的")})
    name = default_storage.save(f"emergencies/{project.pk}/docs/document{suffix}", ContentFile(content))
    doc = SupportingDocument(
        company_id=project.company_id,
        project=project,
        plan=plan,
        kind=kind,
        title=title[:100],
        file=name,
        content_type=DOCUMENT_TYPES[suffix],
        size=len(content),
        uploaded_by=actor,
    )
    return save_validated(doc)


@service
def document_delete(*, actor, document: SupportingDocument) -> None:
    require(actor, Perm.CHANGE_EMERGENCIES)
    name = document.file
    document.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


# --- incidents: opening and the chain ----------------------------------------------------------


def _staff_of(actor) -> StaffMember | None:
    staff_id = scope_for(actor).staff_id
    return StaffMember.objects.filter(pk=staff_id).first() if staff_id else None


def _log(
    incident: Incident, *, actor, kind: str, text: str = "", image: str = "", thumbnail: str = "", at=None
):
    return IncidentLog.objects.create(
        company_id=incident.company_id,
        project_id=incident.project_id,
        incident=incident,
        at=at or _now(),
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(actor.get_full_name() if getattr(actor, "pk", None) else _("系统"))[:150],
        text=text[:1000],
        image=image,
        thumbnail=thumbnail,
    )


def _bulk(model, rows: list) -> None:
    """Insert many rows at once and journal them (bulk_create sends no signals)."""
    from guanjia.core.journal import journal_bulk_create

    if rows:
        model.objects.bulk_create(rows)
        journal_bulk_create(rows)


def incident_url(incident: Incident) -> str:
    return reverse("emergencies:incident_detail", args=[incident.pk])


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


def _summon(incident: Incident, positions: list[str], *, now, level_name: str) -> list[Summons]:
    """Call the people of these positions (once each) and copy their duties into the checklist."""
    post = (
        CommandPost.objects.filter(project_id=incident.project_id)
        .select_related("commander")
        .prefetch_related("members__staff")
        .first()
    )
    project = Project.objects.get(pk=incident.project_id)
    already_called = set(Summons.objects.filter(incident=incident).values_list("staff_id", flat=True))
    existing = set(Summons.objects.filter(incident=incident).values_list("staff_id", "position"))
    created: list[Summons] = []
    for position in sorted(positions, key=lambda p: (TIER.get(p, 9), p)):
        for staff, standin in responders_for(post, project, position):
            if (staff.id, position) in existing:
                continue
            existing.add((staff.id, position))
            created.append(
                Summons(
                    company_id=incident.company_id,
                    project_id=incident.project_id,
                    incident=incident,
                    staff=staff,
                    position=position,
                    tier=TIER.get(position, 2),
                    is_standin=standin,
                    notified_at=now,
                )
            )
    _bulk(Summons, created)
    duties = incident.plan_version.content.get("duties", {})
    have = set(ChecklistItem.objects.filter(incident=incident).values_list("position", flat=True))
    items = [
        ChecklistItem(
            company_id=incident.company_id,
            project_id=incident.project_id,
            incident=incident,
            position=position,
            order=i,
            text=text[:300],
        )
        for position in positions
        if position not in have
        for i, text in enumerate(duties.get(position, []), start=1)
    ]
    _bulk(ChecklistItem, items)
    # Everyone new to this incident is called once, on every channel, whatever the hour.
    from guanjia.notifications.services import EVERY_CHANNEL, notify

    users = []
    for s in created:
        if s.staff_id not in already_called:
            already_called.add(s.staff_id)
            users.append(s.staff.user)
    label = _("演练") if incident.is_drill else _("突发事件")
    notify(
        recipients=users,
        subject=_("【%(label)s】%(kind)s %(level)s：%(place)s")
        % {"label": label, "kind": incident.get_kind_display(), "level": level_name, "place": incident.place},
        body=_("%(what)s\n请立即响应并打开您的职责清单。") % {"what": incident.description[:300]},
        url=incident_url(incident),
        related=incident,
        dedup_key=f"emergency-{incident.pk}",
        channels=EVERY_CHANNEL,
        urgent=True,
    )
    return created


def _notify_hq(incident: Incident, *, subject: str, body: str, key: str) -> None:
    from guanjia.notifications.services import EVERY_CHANNEL, notify

    hq = (
        StaffMember.objects.filter(company_id=incident.company_id, deleted_at__isnull=True)
        .filter(roles__role__in=list(HQ_ROLES))
        .select_related("user")
        .distinct()
    )
    notify(
        recipients=[m.user for m in hq],
        subject=subject,
        body=body,
        url=incident_url(incident),
        related=incident,
        dedup_key=key,
        channels=EVERY_CHANNEL,
        urgent=True,
    )


def _parse_floors(data: dict, building: Building | None) -> tuple[int | None, int | None]:
    floor_from, floor_to = data.get("floor_from"), data.get("floor_to")
    if floor_from in ("", None):
        floor_from = None
    if floor_to in ("", None):
        floor_to = floor_from
    if floor_from is None and floor_to is not None:
        raise ValidationError({"floor_from": _("请填写起始楼层")})
    try:
        floor_from = int(floor_from) if floor_from is not None else None
        floor_to = int(floor_to) if floor_to is not None else None
    except (TypeError, ValueError):
        raise ValidationError({"floor_from": _("楼层必须是整数")}) from None
    if floor_from is not None:
        if building is None:
            raise ValidationError({"building_id": _("填写楼层时请选择楼栋")})
        if floor_to < floor_from:
            raise ValidationError({"floor_to": _("结束楼层不能低于起始楼层")})
        if not (-building.floors_below <= floor_from <= max(building.floors_above, 1)):
            raise ValidationError({"floor_from": _("%(b)s 没有这一层") % {"b": building.name}})
        if not (-building.floors_below <= floor_to <= max(building.floors_above, 1)):
            raise ValidationError({"floor_to": _("%(b)s 没有这一层") % {"b": building.name}})
    return floor_from, floor_to


def _level(data: dict) -> int:
    try:
        level = int(data.get("level") or 0)
    except (TypeError, ValueError):
        level = 0
    if level not in (1, 2, 3):
        raise ValidationError({"level": _("级别必须是一、二或三级")})
    return level


@service
def incident_open(*, actor, data: dict, drill: Drill | None = None) -> Incident:
    """Open an incident (or run a drill): the plan's current version and level decide who is called
    at once, on every channel; each person's checklist is ready; at night the control room holds
    command until the GM takes over."""
    require(actor, Perm.OPEN_INCIDENT)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    kind = data.get("kind")
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("请选择事件类别")})
    plan = EmergencyPlan.objects.filter(company_id=project.company_id, kind=kind, is_active=True).first()
    if plan is None:
        raise ValidationError({"kind": _("该类别没有启用的应急预案")})
    level = _level(data)
    building = None
    if data.get("building_id") not in (None, ""):
        building = visible_reference(Building, data.get("building_id"), actor, field="building_id")
        if building.project_id != project.pk:
            raise ValidationError({"building_id": _("楼栋不属于该项目")})
    floor_from, floor_to = _parse_floors(data, building)
    description = (data.get("description") or "").strip()
    if not description:
        raise ValidationError({"description": _("请描述现场情况")})
    equipment = _equipment_list(actor, project, data.get("equipment_ids"), field="equipment_ids")
    version = plan.versions.order_by("-number").first()
    now = _now()
    night = is_night(now)
    incident = Incident(
        company_id=project.company_id,
        project=project,
        plan=plan,
        plan_version=version,
        kind=kind,
        level=level,
        is_drill=drill is not None,
        building=building,
        floor_from=floor_from,
        floor_to=floor_to,
        location=(data.get("location") or "").strip()[:100],
        description=description[:2000],
        equipment_involved=(data.get("equipment_involved") or "").strip()[:200],
        opened_at=now,
        opened_by=actor,
        at_night=night,
        command_holder=CommandHolder.CONTROL_ROOM if night else CommandHolder.COMMANDER,
    )
    save_validated(incident)
    lv = version.level(level) or {}
    _log(
        incident,
        actor=actor,
        kind=LogKind.OPENED,
        text=_("启动%(plan)s v%(v)s，%(level)s%(night)s")
        % {
            "plan": version.name,
            "v": version.number,
            "level": lv.get("name", level),
            "night": _("；夜间由中控室代行指挥") if night else "",
        },
        at=now,
    )
    for item in equipment:
        _link_equipment(incident, item, actor=actor)
    _summon(incident, list(lv.get("responders", [])), now=now, level_name=lv.get("name", str(level)))
    if lv.get("notify_hq"):
        _notify_hq(
            incident,
            subject=_("【%(kind)s】%(project)s 启动%(level)s")
            % {"kind": incident.get_kind_display(), "project": project.name, "level": lv.get("name", level)},
            body=description[:300],
            key=f"emergency-{incident.pk}-hq-{level}",
        )
    return incident


def _check_open(incident: Incident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("事件已关闭"))


def _is_gm(actor, incident: Incident) -> bool:
    scope = scope_for(actor)
    return Role.PROJECT_MANAGER in scope.roles and incident.project_id in scope.project_ids


def _in_control_room(actor, incident: Incident) -> bool:
    staff_id = scope_for(actor).staff_id
    if not staff_id:
        return False
    return CommandPostMember.objects.filter(
        project_id=incident.project_id, position=Position.CONTROL_ROOM, staff_id=staff_id
    ).exists()


def can_command(actor, incident: Incident) -> bool:
    """The GM, the control room (the command centre) and whoever maintains plans may direct."""
    return (
        _is_gm(actor, incident)
        or _in_control_room(actor, incident)
        or user_can(actor, Perm.CHANGE_EMERGENCIES)
    )


def _require_command(actor, incident: Incident) -> None:
    if not can_command(actor, incident):
        raise NotAllowed(_("只有项目总经理、中控室或应急管理人员可以执行此操作"))


def _visible(actor, incident: Incident) -> Incident:
    if not Incident.objects.visible_to(actor).filter(pk=incident.pk).exists():
        raise NotFound(_("突发事件 不存在"))
    return incident


@service
def incident_acknowledge(*, actor, incident: Incident) -> int:
    """The called person says "received, on my way"; returns how many of their calls it answered."""
    _visible(actor, incident)
    incident = lock(incident)
    _check_open(incident)
    staff_id = scope_for(actor).staff_id
    pending = Summons.objects.filter(incident=incident, staff_id=staff_id, acknowledged_at__isnull=True)
    if not Summons.objects.filter(incident=incident, staff_id=staff_id).exists():
        raise NotAllowed(_("您不在本事件的呼叫名单中"))
    if not pending.exists():
        raise Conflict(_("您已响应"))
    now = _now()
    count = 0
    for summons in pending:
        summons.acknowledged_at = now
        summons.save(update_fields=["acknowledged_at"])
        count += 1
    _log(incident, actor=actor, kind=LogKind.ACK, text=_("已响应"), at=now)
    return count


@service
def checklist_tick(*, actor, incident: Incident, item_id) -> ChecklistItem:
    """Tick off a duty. Whoever was called for its position may, and so may those in command.
    Ticking a duty also acknowledges the call."""
    _visible(actor, incident)
    incident = lock(incident)
    _check_open(incident)
    item = (
        ChecklistItem.objects.filter(incident=incident, pk=item_id).first()
        if str(item_id).isdigit()
        else None
    )
    if item is None:
        raise ValidationError({"item_id": _("职责清单项不存在")})
    staff_id = scope_for(actor).staff_id
    mine = Summons.objects.filter(incident=incident, staff_id=staff_id, position=item.position)
    if not mine.exists() and not can_command(actor, incident):
        raise NotAllowed(_("这不是您的职责"))
    if item.done_at is not None:
        raise Conflict(_("该项已完成"))
    now = _now()
    item.done_at, item.done_by = now, actor
    item.save(update_fields=["done_at", "done_by"])
    mine.filter(acknowledged_at__isnull=True).update(acknowledged_at=now)
    _log(
        incident,
        actor=actor,
        kind=LogKind.CHECK,
        text=f"{item.get_position_display()}：{item.text}",
        at=now,
    )
    return item


@service
def incident_set_level(*, actor, incident: Incident, level, note: str = "") -> Incident:
    """Raise or lower the response level; a higher level calls the positions it adds."""
    _visible(actor, incident)
    incident = lock(incident)
    _check_open(incident)
    _require_command(actor, incident)
    level = _level({"level": level})
    if level == incident.level:
        raise ValidationError({"level": _("已经是该级别")})
    old = incident.level
    incident.level = level
    incident.save(update_fields=["level", "updated_at"])
    version = incident.plan_version
    lv = version.level(level) or {}
    now = _now()
    _log(
        incident,
        actor=actor,
        kind=LogKind.LEVEL,
        text=_("级别 %(a)s → %(b)s %(note)s")
        % {"a": old, "b": lv.get("name", level), "note": note.strip()[:200]},
        at=now,
    )
    if level > old:
        _summon(incident, list(lv.get("responders", [])), now=now, level_name=lv.get("name", str(level)))
        if lv.get("notify_hq"):
            _notify_hq(
                incident,
                subject=_("【%(kind)s】升级为%(level)s")
                % {"kind": incident.get_kind_display(), "level": lv.get("name", level)},
                body=incident.description[:300],
                key=f"emergency-{incident.pk}-hq-{level}",
            )
    return incident


@service
def incident_take_command(*, actor, incident: Incident) -> Incident:
    """The project GM takes command from the control room (the night hand-over), recorded."""
    _visible(actor, incident)
    incident = lock(incident)
    _check_open(incident)
    if not _is_gm(actor, incident):
        raise NotAllowed(_("只有项目总经理可以接管指挥"))
    if incident.command_holder == CommandHolder.COMMANDER:
        raise Conflict(_("指挥权已由项目总经理掌握"))
    now = _now()
    incident.command_holder = CommandHolder.COMMANDER
    incident.command_taken_at, incident.command_taken_by = now, actor
    incident.save(update_fields=["command_holder", "command_taken_at", "command_taken_by", "updated_at"])
    Summons.objects.filter(
        incident=incident, staff_id=scope_for(actor).staff_id, acknowledged_at__isnull=True
    ).update(acknowledged_at=now)
    _log(
        incident,
        actor=actor,
        kind=LogKind.HANDOVER,
        text=_("项目总经理到达指挥岗位，从中控室接管指挥权"),
        at=now,
    )
    return incident


@service
def incident_log_add(
    *, actor, incident: Incident, text: str = "", photo=None, evidence: bool = False
) -> IncidentLog:
    """A line in the log, optionally with a photo (checked and stripped by core.images)."""
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    _check_open(incident)
    text = (text or "").strip()
    image = thumbnail = ""
    if photo is not None:
        from guanjia.core.images import clean_photo, save_photo

        clean = clean_photo(photo, field="photo")
        image, thumbnail = save_photo(clean, prefix=f"emergencies/{incident.project_id}/{incident.pk}")
    elif not text:
        raise ValidationError({"text": _("请填写内容或上传照片")})
    kind = LogKind.NOTE if photo is None else (LogKind.EVIDENCE if evidence else LogKind.PHOTO)
    return _log(incident, actor=actor, kind=kind, text=text, image=image, thumbnail=thumbnail)


# --- aftermath ---------------------------------------------------------------------------------


def affected_units(incident: Incident):
    """The units of the place: the floors of a building, a whole building, or the whole estate."""
    units = Unit.objects.filter(project_id=incident.project_id, deleted_at__isnull=True)
    if incident.building_id:
        units = units.filter(building_id=incident.building_id)
        if incident.floor_from is not None:
            units = units.filter(floor__gte=incident.floor_from, floor__lte=incident.floor_to)
    return units


@service
def incident_start_aftermath(*, actor, incident: Incident) -> Incident:
    """The event is under control: move to aftermath and list a follow-up call to every resident of
    every affected unit (drills affect no household)."""
    _visible(actor, incident)
    incident = lock(incident)
    _require_command(actor, incident)
    if incident.status != IncidentStatus.OPEN:
        raise Conflict(_("事件已在善后或已关闭"))
    now = _now()
    incident.status, incident.aftermath_at = IncidentStatus.AFTERMATH, now
    incident.save(update_fields=["status", "aftermath_at", "updated_at"])
    count = 0
    if not incident.is_drill:
        today = timezone.localdate(now)
        occupancies = (
            Occupancy.objects.filter(unit__in=affected_units(incident), resident__deleted_at__isnull=True)
            .filter(Q(end_on__isnull=True) | Q(end_on__gte=today), start_on__lte=today)
            .values_list("unit_id", "resident_id")
            .distinct()
        )
        calls = [
            FollowUpCall(
                company_id=incident.company_id,
                project_id=incident.project_id,
                incident=incident,
                unit_id=unit_id,
                resident_id=resident_id,
            )
            for unit_id, resident_id in occupancies
        ]
        _bulk(FollowUpCall, calls)
        count = len(calls)
    _log(
        incident,
        actor=actor,
        kind=LogKind.AFTERMATH,
        text=_("事态已控制，转入善后；需回访 %(n)s 户") % {"n": count},
        at=now,
    )
    return incident


@service
def call_record(*, actor, call: FollowUpCall, result: str, note: str = "") -> FollowUpCall:
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, call.incident)
    call = lock(call)
    if call.incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("事件已关闭"))
    if result not in (CallResult.DONE, CallResult.UNREACHABLE, CallResult.DECLINED):
        raise ValidationError({"result": _("请选择回访结果：已回访、联系不上或拒绝回访")})
    call.result, call.note = result, (note or "").strip()[:200]
    call.called_at, call.called_by = _now(), actor
    call.save()
    _log(
        call.incident,
        actor=actor,
        kind=LogKind.CALL,
        text=f"{call.unit} {call.get_result_display()} {call.note}".strip(),
    )
    return call


@service
def report_write(*, actor, incident: Incident, body: str) -> IncidentReport:
    """The responsible department (or the GM) writes the report; rewriting undoes an approval."""
    _visible(actor, incident)
    incident = lock(incident)
    if incident.status != IncidentStatus.AFTERMATH:
        raise Conflict(_("事件转入善后后才能出具报告"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("请填写报告内容")})
    member = _staff_of(actor)
    department = incident.plan.responsible_department
    if not (_is_gm(actor, incident) or (member is not None and member.department == department)):
        raise NotAllowed(_("事件报告由%(dept)s出具") % {"dept": Department(department).label})
    report = IncidentReport.objects.filter(incident=incident).first()
    now = _now()
    if report is None:
        report = IncidentReport(
            company_id=incident.company_id, project_id=incident.project_id, incident=incident
        )
    elif report.sent_to_hq_at:
        raise Conflict(_("报告已审批并报总公司，不能再修改"))
    report.department = department
    report.body, report.written_by, report.written_at = body[:10000], actor, now
    report.approved_by = report.approved_at = None
    save_validated(report)
    _log(incident, actor=actor, kind=LogKind.REPORT, text=_("出具事件报告"), at=now)
    return report


@service
def report_approve(*, actor, incident: Incident) -> IncidentReport:
    """The project manager approves the report; it is then sent to HQ."""
    _visible(actor, incident)
    incident = lock(incident)
    if not _is_gm(actor, incident):
        raise NotAllowed(_("事件报告须经项目经理审批"))
    report = IncidentReport.objects.filter(incident=incident).first()
    if report is None:
        raise Conflict(_("尚未出具事件报告"))
    if report.approved_at:
        raise Conflict(_("报告已审批"))
    now = _now()
    report.approved_by, report.approved_at, report.sent_to_hq_at = actor, now, now
    report.save()
    _log(incident, actor=actor, kind=LogKind.REPORT, text=_("项目经理审批事件报告，已报总公司"), at=now)
    _notify_hq(
        incident,
        subject=_("事件报告：%(project)s %(kind)s")
        % {"project": incident.project.name, "kind": incident.get_kind_display()},
        body=report.body[:500],
        key=f"emergency-{incident.pk}-report",
    )
    return report


@service
def statement_issue(*, actor, incident: Incident, body: str) -> Statement:
    """The one official statement; only the project GM issues it (对外发布消息权)."""
    _visible(actor, incident)
    incident = lock(incident)
    if not _is_gm(actor, incident):
        raise NotAllowed(_("只有项目总经理可以对外发布消息"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("请填写发布内容")})
    if Statement.objects.filter(incident=incident).exists():
        raise Conflict(_("本事件已发布过对外消息"))
    statement = Statement(
        company_id=incident.company_id,
        project_id=incident.project_id,
        incident=incident,
        body=body[:4000],
        issued_by=actor,
        issued_at=_now(),
    )
    save_validated(statement)
    _log(incident, actor=actor, kind=LogKind.STATEMENT, text=body[:200])
    return statement


def missing_for_close(incident: Incident) -> list[str]:
    """What still stands between the incident and closing it (empty: it may close)."""
    missing: list[str] = []
    if incident.status == IncidentStatus.OPEN:
        missing.append(_("尚未转入善后"))
    if not incident.is_drill:
        pending = FollowUpCall.objects.filter(incident=incident, result=CallResult.PENDING).count()
        if pending:
            missing.append(_("%(n)s 户住户尚未回访") % {"n": pending})
        if not IncidentLog.objects.filter(incident=incident, kind=LogKind.EVIDENCE).exists():
            missing.append(_("没有现场取证照片"))
    report = IncidentReport.objects.filter(incident=incident).first()
    if report is None:
        missing.append(_("没有事件报告"))
    elif not report.approved_at:
        missing.append(_("事件报告未经项目经理审批"))
    if incident.is_drill:
        drill = Drill.objects.filter(incident=incident).first()
        if drill is None or not drill.evaluation.strip():
            missing.append(_("没有演练评估"))
    return missing


@service
def incident_close(*, actor, incident: Incident) -> Incident:
    """Close: refused (409, naming what is missing) until the aftermath is complete."""
    _visible(actor, incident)
    incident = lock(incident)
    _check_open(incident)
    _require_command(actor, incident)
    missing = missing_for_close(incident)
    if missing:
        raise Conflict(_("不能关闭：%(missing)s") % {"missing": "；".join(str(m) for m in missing)})
    now = _now()
    incident.status, incident.closed_at, incident.closed_by = IncidentStatus.CLOSED, now, actor
    incident.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    Drill.objects.filter(incident=incident).update(status=DrillStatus.DONE)
    _log(incident, actor=actor, kind=LogKind.CLOSED, text=_("事件关闭"), at=now)
    return incident


# --- service requests --------------------------------------------------------------------------


@service
def ticket_raise(*, actor, incident: Incident, data: dict) -> IncidentTicket:
    """Raise a service request the incident caused (channel 突发事件) and link it."""
    from guanjia.tickets.choices import Channel
    from guanjia.tickets.choices import Kind as TicketKind

    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    data = dict(data)
    if data.get("unit_id"):
        unit = visible_reference(Unit, data["unit_id"], actor, field="unit_id")
        if unit.project_id != incident.project_id:
            raise ValidationError({"unit_id": _("房屋不属于该项目")})
    data.update(
        channel=Channel.INCIDENT,
        project_id=incident.project_id,
        kind=data.get("kind")
        or (TicketKind.HOME_REPAIR if data.get("unit_id") else TicketKind.COMMON_REPAIR),
    )
    if not data.get("unit_id") and not data.get("building_id") and not data.get("location"):
        data["building_id"] = incident.building_id
        data["location"] = incident.place
    from guanjia.tickets.services import ticket_create

    ticket = ticket_create(actor=actor, data=data)
    link = IncidentTicket.objects.create(
        company_id=incident.company_id,
        project_id=incident.project_id,
        incident=incident,
        ticket=ticket,
        raised_here=True,
    )
    _log(incident, actor=actor, kind=LogKind.TICKET, text=_("创建工单 %(n)s") % {"n": ticket.number})
    return link


@service
def ticket_link(*, actor, incident: Incident, ticket_id) -> IncidentTicket:
    from guanjia.tickets.models import Ticket

    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    ticket = visible_reference(Ticket, ticket_id, actor, field="ticket_id")
    if ticket.project_id != incident.project_id:
        raise ValidationError({"ticket_id": _("工单不属于该项目")})
    if IncidentTicket.objects.filter(incident=incident, ticket=ticket).exists():
        raise ValidationError({"ticket_id": _("已关联")})
    link = IncidentTicket.objects.create(
        company_id=incident.company_id, project_id=incident.project_id, incident=incident, ticket=ticket
    )
    _log(incident, actor=actor, kind=LogKind.TICKET, text=_("关联工单 %(n)s") % {"n": ticket.number})
    return link


# --- equipment involved (facilities ledger) ---------------------------------------------------


def _equipment_of_project(actor, project_id: int, equipment_id, *, field: str):
    """An item of the ledger given by id: out of scope or of another project is a 422 on ``field``."""
    from guanjia.facilities.models import Equipment

    item = visible_reference(Equipment, equipment_id, actor, field=field)
    if item.project_id != project_id:
        raise ValidationError({field: _("设备 %(code)s 不属于该项目") % {"code": item.code}})
    return item


def _equipment_list(actor, project: Project, ids, *, field: str) -> list:
    if ids in (None, "", []):
        return []
    if not isinstance(ids, list | tuple):
        ids = [ids]
    items, seen = [], set()
    for equipment_id in ids:
        if equipment_id in (None, ""):
            continue
        item = _equipment_of_project(actor, project.pk, equipment_id, field=field)
        if item.pk not in seen:
            seen.add(item.pk)
            items.append(item)
    return items


def _link_equipment(incident: Incident, item, *, actor, note: str = "") -> IncidentEquipment:
    link = IncidentEquipment(
        company_id=incident.company_id,
        project_id=incident.project_id,
        incident=incident,
        equipment=item,
        note=note[:200],
        linked_by=actor,
    )
    save_validated(link)
    _log(
        incident,
        actor=actor,
        kind=LogKind.EQUIPMENT,
        text=_("关联设备 %(item)s") % {"item": f"{item.code} {item.name}"},
    )
    return link


@service
def incident_link_equipment(*, actor, incident: Incident, equipment_id, note: str = "") -> IncidentEquipment:
    """Link an item of the project's equipment ledger to the incident (while it is not closed)."""
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    _check_open(incident)
    item = _equipment_of_project(actor, incident.project_id, equipment_id, field="equipment_id")
    if IncidentEquipment.objects.filter(incident=incident, equipment=item).exists():
        raise ValidationError({"equipment_id": _("该设备已关联")})
    return _link_equipment(incident, item, actor=actor, note=(note or "").strip())


@service
def incident_unlink_equipment(*, actor, incident: Incident, equipment_id) -> None:
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, incident)
    _check_open(incident)
    link = (
        IncidentEquipment.objects.filter(incident=incident, equipment_id=equipment_id)
        .select_related("equipment")
        .first()
        if str(equipment_id or "").isdigit()
        else None
    )
    if link is None:
        raise ValidationError({"equipment_id": _("该设备未关联")})
    item = link.equipment
    link.delete()
    _log(
        incident,
        actor=actor,
        kind=LogKind.EQUIPMENT,
        text=_("取消关联设备 %(item)s") % {"item": f"{item.code} {item.name}"},
    )


# --- re-calls (periodic) -----------------------------------------------------------------------


def recall_due(*, now: datetime.datetime | None = None) -> int:
    """Call again everyone who has not acknowledged, every N minutes, up to the maximum. Each step
    is one ``Recall`` row (unique per incident, person and step), so however many times or places
    this runs, each step happens — and notifies — exactly once. Returns the steps taken."""
    from guanjia.notifications.services import EVERY_CHANNEL, notify

    now = now or _now()
    interval = datetime.timedelta(minutes=recall_minutes())
    pending = (
        Summons.objects.filter(
            acknowledged_at__isnull=True,
            incident__status=IncidentStatus.OPEN,
            notified_at__lte=now - interval,
        )
        .select_related("incident", "staff__user")
        .order_by("incident_id", "staff_id", "notified_at")
    )
    first_call: dict[tuple[int, int], Summons] = {}
    for s in pending:
        first_call.setdefault((s.incident_id, s.staff_id), s)
    taken = 0
    for (incident_id, staff_id), s in first_call.items():
        due = min(int((now - s.notified_at) / interval), max_recalls())
        done = set(
            Recall.objects.filter(incident_id=incident_id, staff_id=staff_id).values_list("step", flat=True)
        )
        new_steps = []
        for step in range(1, due + 1):
            if step in done:
                continue
            try:
                with transaction.atomic():
                    Recall.objects.create(
                        company_id=s.company_id,
                        project_id=s.project_id,
                        incident_id=incident_id,
                        staff_id=staff_id,
                        step=step,
                        happened_at=now,
                    )
            except IntegrityError:
                continue  # another run took this step
            new_steps.append(step)
        if not new_steps:
            continue
        taken += len(new_steps)
        step = new_steps[-1]
        incident = s.incident
        with transaction.atomic():
            notify(
                recipients=[s.staff.user],
                subject=_("【再次呼叫 %(n)s】%(kind)s：请立即响应")
                % {"n": step, "kind": incident.get_kind_display()},
                body=_("您尚未响应突发事件：%(what)s") % {"what": incident.description[:200]},
                url=incident_url(incident),
                related=incident,
                dedup_key=f"emergency-{incident_id}-recall-{step}",
                channels=EVERY_CHANNEL,
                urgent=True,
            )
            _log(
                incident,
                actor=None,
                kind=LogKind.RECALL,
                text=_("再次呼叫（第%(n)s次）：%(name)s") % {"n": step, "name": s.staff.name},
                at=now,
            )
    return taken


# --- drills ------------------------------------------------------------------------------------


@service
def drill_plan(*, actor, data: dict) -> Drill:
    require(actor, Perm.CHANGE_EMERGENCIES)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    plan = visible_reference(EmergencyPlan, data.get("plan_id"), actor, field="plan_id")
    if not data.get("planned_for"):
        raise ValidationError({"planned_for": _("请填写计划日期")})
    if plan.company_id != project.company_id:
        raise ValidationError({"plan_id": _("预案不属于该公司")})
    planned_for = data["planned_for"]
    if isinstance(planned_for, str):
        try:
            planned_for = datetime.date.fromisoformat(planned_for)
        except ValueError:
            raise ValidationError({"planned_for": _("日期格式应为 YYYY-MM-DD")}) from None
    drill = Drill(
        company_id=project.company_id,
        project=project,
        plan=plan,
        planned_for=planned_for,
        level=_level({"level": data.get("level") or 2}),
        note=(data.get("note") or "").strip()[:200],
    )
    task_id = data.get("fire_test_id")
    if task_id not in (None, ""):
        drill.fire_test = _fire_test_for(actor, drill, task_id)
    elif plan.kind == EventKind.FIRE:
        # Planning a fire drill links the year's whole-system test when the project has one.
        drill.fire_test = fire_test_candidates(project, planned_for).first()
    return save_validated(drill)


FIRE_YEARLY_TEMPLATE = "fire_yearly"


def fire_test_candidates(project: Project | int, day: datetime.date):
    """The tasks of the project's yearly fire plan (seed 000: the whole-system run with the fire
    drill) for the year of ``day``: the period containing the day, or starting in its year."""
    from guanjia.facilities.models import MaintenanceTask

    project_id = project if isinstance(project, int) else project.pk
    return (
        MaintenanceTask.objects.filter(project_id=project_id, plan__template=FIRE_YEARLY_TEMPLATE)
        .filter(Q(period_start__lte=day, period_end__gt=day) | Q(period_start__year=day.year))
        .select_related("equipment", "plan")
        .order_by("period_start", "equipment__code", "id")
    )


def _fire_test_for(actor, drill: Drill, task_id):
    from guanjia.facilities.models import MaintenanceTask

    task = visible_reference(MaintenanceTask, task_id, actor, field="fire_test_id")
    if drill.plan.kind != EventKind.FIRE:
        raise ValidationError({"fire_test_id": _("只有消防演练可以关联年度消防系统测试")})
    if not fire_test_candidates(drill.project_id, drill.planned_for).filter(pk=task.pk).exists():
        raise ValidationError({"fire_test_id": _("该任务不是本项目当年的年度消防维保任务")})
    return task


@service
def drill_link_fire_test(*, actor, drill: Drill, task_id) -> Drill:
    """Link (or, with an empty id, unlink) the yearly fire-system test of the drill's project and year."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    drill = lock(drill)
    drill.fire_test = None if task_id in (None, "") else _fire_test_for(actor, drill, task_id)
    drill.save(update_fields=["fire_test", "updated_at"])
    return drill


@service
def drill_start(*, actor, drill: Drill, data: dict) -> Incident:
    """Run a planned drill: an incident marked as a drill, with the chain, checklists and timings."""
    require(actor, Perm.CHANGE_EMERGENCIES)
    drill = lock(drill)
    if drill.status != DrillStatus.PLANNED:
        raise Conflict(_("该演练已开始或已完成"))
    payload = {
        "project_id": drill.project_id,
        "kind": drill.plan.kind,
        "level": drill.level,
        "description": (data.get("description") or "").strip()
        or _("演练：%(plan)s") % {"plan": drill.plan.name},
        "building_id": data.get("building_id"),
        "floor_from": data.get("floor_from"),
        "floor_to": data.get("floor_to"),
        "location": data.get("location", ""),
    }
    incident = incident_open(actor=actor, data=payload, drill=drill)
    drill.incident, drill.status = incident, DrillStatus.RUNNING
    drill.save(update_fields=["incident", "status", "updated_at"])
    return incident


@service
def drill_evaluate(*, actor, drill: Drill, evaluation: str, score=None) -> Drill:
    require(actor, Perm.CHANGE_EMERGENCIES)
    drill = lock(drill)
    if drill.incident_id is None:
        raise Conflict(_("演练尚未进行"))
    evaluation = (evaluation or "").strip()
    if not evaluation:
        raise ValidationError({"evaluation": _("请填写演练评估")})
    drill.evaluation = evaluation
    if score not in (None, ""):
        try:
            drill.score = int(score)
        except (TypeError, ValueError):
            raise ValidationError({"score": _("评分必须是0到100的整数")}) from None
    save_validated(drill)
    _log(drill.incident, actor=actor, kind=LogKind.EVALUATION, text=evaluation[:200])
    return drill
