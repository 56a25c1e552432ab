"""Shared by the incident services: the clock (one seam, patched by tests and the demo seeding),
the settings of the chain, the log, who may see and who may direct an incident."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import HQ_ROLES, Perm, Role
from guanjia.core.scoping import scope_for, user_can
from guanjia.emergencies.choices import IncidentStatus, Position
from guanjia.emergencies.models import CommandPostMember, Incident, IncidentLog
from guanjia.notifications import services as notifications  # via the module: seeding patches its notify
from guanjia.notifications.messages import Message
from guanjia.staff.models import StaffMember


def _now() -> datetime.datetime:
    """The present. One seam, so tests can open an incident at 02:00. The other modules call it as
    ``common._now()``, so patching ``services.common._now`` reaches them all."""
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


def _level(data: dict) -> int:
    try:
        level = int(data.get("level") or 0)
    except (TypeError, ValueError):
        level = 0
    if level not in (1, 2, 3):
        raise ValidationError({"level": _("级别必须是一、二或三级")})
    return level


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
    if rows:
        model.objects.bulk_create(rows)
        journal_bulk_create(rows)


def incident_url(incident: Incident) -> str:
    return reverse("emergencies:incident_detail", args=[incident.pk])


def _notify_hq(
    incident: Incident,
    *,
    subject: Message | str,
    body: Message | str,
    key: str,
    kind: str = "emergencies.hq",
) -> None:
    hq = (
        StaffMember.objects.filter(company_id=incident.company_id, deleted_at__isnull=True)
        .filter(roles__role__in=list(HQ_ROLES))
        .select_related("user")
        .distinct()
    )
    notifications.notify(
        recipients=[m.user for m in hq],
        subject=subject,
        body=body,
        url=incident_url(incident),
        related=incident,
        dedup_key=key,
        kind=kind,
        channels=notifications.EVERY_CHANNEL,
        urgent=True,
    )


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
