"""Read-side of emergencies: the live incident panel, timings, figures. No writes here."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.emergencies import services
from guanjia.emergencies.choices import CallResult, DrillStatus, EventKind, IncidentStatus, Position
from guanjia.emergencies.models import (
    ChecklistItem,
    Drill,
    FollowUpCall,
    Incident,
    IncidentEquipment,
    IncidentLog,
    IncidentReport,
    IncidentTicket,
    Statement,
    Summons,
)
from guanjia.emergencies.services import common
from guanjia.estates.models import Project
from guanjia.facilities.choices import TaskStatus
from guanjia.facilities.models import Equipment, MaintenanceTask

LOG_LIMIT = 200


def incidents_for(user):
    return Incident.objects.visible_to(user).select_related("project", "building", "plan_version")


def _seconds(delta: datetime.timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def incident_panel(incident: Incident, user) -> dict:
    """Everything the live incident page shows, in a constant number of queries."""
    now = common._now()
    interval = datetime.timedelta(minutes=services.recall_minutes())
    staff_id = scope_for(user).staff_id
    summonses = list(Summons.objects.filter(incident=incident).select_related("staff"))
    recalls = defaultdict(int)
    for staff, count in (
        incident.recalls.values_list("staff_id").annotate(n=Count("id")).values_list("staff_id", "n")
    ):
        recalls[staff] = count
    for s in summonses:
        s.overdue = (
            s.acknowledged_at is None
            and incident.status == IncidentStatus.OPEN
            and now - s.notified_at >= interval
        )
        s.recalls = recalls.get(s.staff_id, 0)
        s.response_seconds = _seconds(s.acknowledged_at - s.notified_at) if s.acknowledged_at else None
    items = list(ChecklistItem.objects.filter(incident=incident).select_related("done_by"))
    my_positions = {s.position for s in summonses if s.staff_id == staff_id}
    can_command = services.can_command(user, incident)
    groups: dict[str, dict] = {}
    order = {p: i for i, p in enumerate(Position.values)}
    for item in items:
        g = groups.setdefault(
            item.position,
            {"position": item.position, "label": Position(item.position).label, "items": [], "done": 0},
        )
        g["items"].append(item)
        g["done"] += item.done_at is not None
        item.can_tick = (
            item.done_at is None
            and incident.status != IncidentStatus.CLOSED
            and (item.position in my_positions or can_command)
        )
    checklist = sorted(groups.values(), key=lambda g: order[g["position"]])
    for g in checklist:
        g["total"] = len(g["items"])
        g["percent"] = int(100 * g["done"] / g["total"]) if g["total"] else 100
    calls = FollowUpCall.objects.filter(incident=incident)
    call_counts = dict(calls.values_list("result").annotate(n=Count("id")).values_list("result", "n"))
    return {
        "incident": incident,
        "summonses": summonses,
        "me_pending": any(s.staff_id == staff_id and s.acknowledged_at is None for s in summonses),
        "me_called": bool(my_positions),
        "checklist": checklist,
        "my_checklist": [g for g in checklist if g["position"] in my_positions],
        "log": list(IncidentLog.objects.filter(incident=incident).order_by("-at", "-id")[:LOG_LIMIT]),
        "calls_total": sum(call_counts.values()),
        "calls_pending": call_counts.get(CallResult.PENDING, 0),
        "report": IncidentReport.objects.filter(incident=incident)
        .select_related("written_by", "approved_by")
        .first(),
        "statement": Statement.objects.filter(incident=incident).select_related("issued_by").first(),
        "tickets": list(IncidentTicket.objects.filter(incident=incident).select_related("ticket")),
        "equipment": list(
            IncidentEquipment.objects.filter(incident=incident).select_related(
                "equipment", "equipment__building", "linked_by"
            )
        ),
        "missing": services.missing_for_close(incident) if incident.status != IncidentStatus.CLOSED else [],
        "can_command": can_command,
        "is_gm": common._is_gm(user, incident),
        "level": incident.plan_version.level(incident.level) or {},
        "drill": Drill.objects.filter(incident=incident)
        .select_related("fire_test", "fire_test__equipment")
        .first()
        if incident.is_drill
        else None,
        "recall_minutes": services.recall_minutes(),
    }


def group_timings(incident: Incident) -> list[dict]:
    """Per position: seconds until its first person acknowledged, and until its checklist was done."""
    start = incident.opened_at
    acks: dict[str, list] = defaultdict(list)
    for position, ack in Summons.objects.filter(incident=incident).values_list("position", "acknowledged_at"):
        acks[position].append(ack)
    done: dict[str, list] = defaultdict(list)
    for position, at in ChecklistItem.objects.filter(incident=incident).values_list("position", "done_at"):
        done[position].append(at)
    rows = []
    for position in Position.values:
        if position not in acks and position not in done:
            continue
        answered = [a for a in acks.get(position, []) if a]
        finished = done.get(position, [])
        rows.append(
            {
                "position": position,
                "label": Position(position).label,
                "ack_seconds": _seconds(min(answered) - start) if answered else None,
                "done_seconds": _seconds(max(finished) - start) if finished and all(finished) else None,
            }
        )
    return rows


def equipment_choices(incident: Incident, user) -> list:
    """The picker on the incident page: the project's ledger items not linked yet."""
    return list(
        Equipment.objects.visible_to(user)
        .filter(project_id=incident.project_id)
        .exclude(pk__in=IncidentEquipment.objects.filter(incident=incident).values("equipment_id"))
        .order_by("code")
        .only("id", "code", "name")[:500]
    )


def incidents_for_equipment(equipment, user, limit: int = 20) -> list[IncidentEquipment]:
    """The incidents an item of the ledger was involved in, newest first (its phone page)."""
    if not user_can(user, Perm.VIEW_EMERGENCIES):
        return []
    return list(
        IncidentEquipment.objects.visible_to(user)
        .filter(equipment=equipment)
        .select_related("incident")
        .order_by("-incident__opened_at", "-id")[:limit]
    )


def drill_figures(user, year: int) -> list[dict]:
    """Per project the user sees: drills done in the year, the last fire drill, whether the yearly
    fire drill is due (none done in the last 365 days), and for the year whether a fire drill was
    done and whether the yearly fire-system test (facilities' yearly fire plan) was done."""
    today = timezone.localdate()
    projects = list(Project.objects.visible_to(user).order_by("name"))
    drills = Drill.objects.visible_to(user).filter(status=DrillStatus.DONE)
    per_year = dict(
        drills.filter(incident__closed_at__year=year)
        .values_list("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    last_fire: dict[int, datetime.date] = {}
    for project_id, day in drills.filter(plan__kind=EventKind.FIRE).values_list("project_id", "planned_for"):
        if project_id not in last_fire or day > last_fire[project_id]:
            last_fire[project_id] = day
    planned = dict(
        Drill.objects.visible_to(user)
        .filter(status=DrillStatus.PLANNED, planned_for__gte=today)
        .values_list("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    fire_drill_year = set(
        drills.filter(plan__kind=EventKind.FIRE, planned_for__year=year).values_list("project_id", flat=True)
    )
    tests: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "done": 0})
    for project_id, status, n in (
        MaintenanceTask.objects.visible_to(user)
        .filter(plan__template=services.FIRE_YEARLY_TEMPLATE, period_start__year=year)
        .values_list("project_id", "status")
        .annotate(n=Count("id"))
        .values_list("project_id", "status", "n")
    ):
        tests[project_id]["total"] += n
        if status == TaskStatus.DONE:
            tests[project_id]["done"] += n
    rows = []
    for p in projects:
        test = tests.get(p.id, {"total": 0, "done": 0})
        rows.append(
            {
                "project": p,
                "done": per_year.get(p.id, 0),
                "planned": planned.get(p.id, 0),
                "last_fire": last_fire.get(p.id),
                "fire_due": p.id not in last_fire or (today - last_fire[p.id]).days > 365,
                "fire_drill_done": p.id in fire_drill_year,
                "fire_test_total": test["total"],
                "fire_test_done": test["done"],
                "fire_test_complete": test["total"] > 0 and test["done"] == test["total"],
            }
        )
    return rows


def response_times(user, year: int) -> dict:
    """Average and slowest seconds to acknowledge, in drills and in real incidents, for the year."""
    rows = (
        Summons.objects.visible_to(user)
        .filter(incident__opened_at__year=year, acknowledged_at__isnull=False)
        .values_list("incident__is_drill", "notified_at", "acknowledged_at")
    )
    buckets: dict[bool, list[float]] = {True: [], False: []}
    for is_drill, notified, acked in rows:
        buckets[is_drill].append((acked - notified).total_seconds())
    out = {}
    for key, name in ((True, "drill"), (False, "real")):
        values = buckets[key]
        out[name] = {
            "count": len(values),
            "average": int(sum(values) / len(values)) if values else None,
            "slowest": int(max(values)) if values else None,
        }
    out["incidents"] = dict(
        Incident.objects.visible_to(user)
        .filter(opened_at__year=year)
        .values_list("is_drill")
        .annotate(n=Count("id"))
        .values_list("is_drill", "n")
    )
    return out


def open_board(user):
    """All open incidents the user sees (the HQ board shows every project of the company)."""
    return (
        incidents_for(user)
        .open()
        .annotate(
            unacked=Count("summonses", filter=Q(summonses__acknowledged_at__isnull=True), distinct=True),
            called=Count("summonses", distinct=True),
        )
        .order_by("-opened_at", "-id")
    )
