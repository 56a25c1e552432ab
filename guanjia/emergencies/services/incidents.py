"""Incidents as they happen: opening (the plan's version and level), the notification chain and
checklists, acknowledgements, level changes, the night hand-over of command, the log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.images import clean_photo, save_photo
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.emergencies.choices import TIER, CommandHolder, EventKind, LogKind
from guanjia.emergencies.models import (
    ChecklistItem,
    CommandPost,
    Drill,
    EmergencyPlan,
    Incident,
    IncidentLog,
    Summons,
)
from guanjia.emergencies.services import common
from guanjia.emergencies.services.common import (
    _bulk,
    _check_open,
    _is_gm,
    _level,
    _log,
    _notify_hq,
    _require_command,
    _visible,
    can_command,
    incident_url,
    is_night,
)
from guanjia.emergencies.services.links import _equipment_list, _link_equipment
from guanjia.emergencies.services.posts import responders_for
from guanjia.estates.models import Building, Project
from guanjia.notifications import services as notifications  # via the module: seeding patches its notify
from guanjia.notifications.messages import Message, label_of


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
    users = []
    for s in created:
        if s.staff_id not in already_called:
            already_called.add(s.staff_id)
            users.append(s.staff.user)
    label = gettext_lazy("演练") if incident.is_drill else gettext_lazy("突发事件")
    notifications.notify(
        recipients=users,
        subject=Message(
            gettext_lazy("【%(label)s】%(kind)s %(level)s：%(place)s"),
            label=label,
            kind=label_of(incident, "kind"),
            level=level_name,
            place=incident.place,
        ),
        body=Message(
            gettext_lazy("%(what)s\n请立即响应并打开您的职责清单。"), what=incident.description[:300]
        ),
        url=incident_url(incident),
        related=incident,
        dedup_key=f"emergency-{incident.pk}",
        kind="emergencies.summon",
        channels=notifications.EVERY_CHANNEL,
        urgent=True,
    )
    return created


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
    now = common._now()
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
            subject=Message(
                gettext_lazy("【%(kind)s】%(project)s 启动%(level)s"),
                kind=label_of(incident, "kind"),
                project=project.name,
                level=lv.get("name", level),
            ),
            body=description[:300],
            key=f"emergency-{incident.pk}-hq-{level}",
        )
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
    now = common._now()
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
    now = common._now()
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
    now = common._now()
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
                subject=Message(
                    gettext_lazy("【%(kind)s】升级为%(level)s"),
                    kind=label_of(incident, "kind"),
                    level=lv.get("name", level),
                ),
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
    now = common._now()
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
        clean = clean_photo(photo, field="photo")
        image, thumbnail = save_photo(clean, prefix=f"emergencies/{incident.project_id}/{incident.pk}")
    elif not text:
        raise ValidationError({"text": _("请填写内容或上传照片")})
    kind = LogKind.NOTE if photo is None else (LogKind.EVIDENCE if evidence else LogKind.PHOTO)
    return _log(incident, actor=actor, kind=kind, text=text, image=image, thumbnail=thumbnail)
