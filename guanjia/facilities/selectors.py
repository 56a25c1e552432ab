"""Read-side of facilities: what a phone page shows for an item, cost totals, patrol figures.
Every function takes the user and starts from ``visible_to``; aggregates are one query each."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from guanjia.facilities.choices import OPEN_TASK_STATUSES, RoundStatus, TaskStatus
from guanjia.facilities.models import (
    Equipment,
    EquipmentCost,
    EquipmentRepair,
    MaintenanceTask,
    MissedCheckpoint,
    PatrolFinding,
    PatrolRound,
)
from guanjia.facilities.panels import equipment_panels
from guanjia.tickets.choices import FINAL_STATUSES
from guanjia.tickets.models import TicketCharge, TicketMaterial

ZERO = Decimal("0.00")
COST_GROUPS = {
    "equipment": ("equipment_id", "equipment__code", "equipment__name"),
    "type": ("equipment__type_id", "equipment__type__name", None),
    "project": ("project_id", "project__name", None),
    "year": ("year", None, None),
}


def tasks_due(user, *, now: datetime.datetime | None = None):
    """Open tasks whose period has begun: what someone should be doing now (overdue first)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return (
        MaintenanceTask.objects.visible_to(user)
        .filter(status__in=OPEN_TASK_STATUSES, period_start__lte=today)
        .select_related("plan", "equipment", "equipment__building", "area", "assignee")
        .order_by("due_at", "id")
    )


def overdue_repairs(user, *, now: datetime.datetime | None = None):
    """Repair requests raised by failed checks still open after their rectification deadline, most
    overdue first."""
    now = now or timezone.now()
    return (
        EquipmentRepair.objects.visible_to(user)
        .filter(closed_at__isnull=True, rectify_by__lte=now)
        .exclude(ticket__status__in=FINAL_STATUSES)
        .select_related("ticket", "equipment", "equipment__project")
        .order_by("rectify_by", "id")
    )


def equipment_page(equipment: Equipment, user) -> dict:
    """An item's phone page: its data, open work (repairs, due tasks), history, checks due, and the
    panels other apps registered (``facilities.panels``)."""
    today = timezone.localdate()
    panels = equipment_panels(user)
    tasks = (
        MaintenanceTask.objects.visible_to(user).filter(equipment=equipment).select_related("plan", "done_by")
    )
    return {
        "due": list(tasks.filter(status__in=OPEN_TASK_STATUSES, period_start__lte=today).order_by("due_at")),
        "upcoming": list(
            tasks.filter(status__in=OPEN_TASK_STATUSES, period_start__gt=today).order_by("due_at")[:5]
        ),
        "done": list(tasks.filter(status=TaskStatus.DONE).order_by("-done_at")[:10]),
        "repairs": list(
            EquipmentRepair.objects.visible_to(user)
            .filter(equipment=equipment)
            .select_related("ticket")
            .order_by("closed_at", "-id")[:10]
        ),
        "files": list(equipment.files.all()),
        # What apps above facilities add (emergencies: the incidents the item was involved in).
        "extra_panels": panels,
        **{panel.name: panel.rows(equipment, user) for panel in panels},
    }


def cost_totals(
    user, *, by: str = "equipment", year: int | None = None, project_id: int | None = None
) -> list[dict]:
    """Costs per item, type, project or year: invoices entered by hand plus the material cost of the
    items' repair requests. The confirmed charges of those requests are what residents pay, not a
    cost of the company: they are shown beside (``billed``) and never added to ``total``. Three
    aggregate queries, however many items."""
    key, label, extra = COST_GROUPS[by]
    manual = EquipmentCost.objects.visible_to(user).annotate(year=ExtractYear("incurred_on"))
    repairs = (
        TicketMaterial.objects.visible_to(user)
        .filter(ticket__facility_repair__isnull=False)
        .annotate(
            year=ExtractYear("ticket__received_at"),
            equipment_id=F("ticket__facility_repair__equipment_id"),
        )
    )
    billed = (
        TicketCharge.objects.visible_to(user)
        .filter(ticket__facility_repair__isnull=False, confirmed_at__isnull=False)
        .annotate(
            year=ExtractYear("ticket__received_at"),
            equipment_id=F("ticket__facility_repair__equipment_id"),
        )
    )
    prefix = "ticket__facility_repair__"
    repair_key = {
        "equipment": ("equipment_id", f"{prefix}equipment__code", f"{prefix}equipment__name"),
        "type": (f"{prefix}equipment__type_id", f"{prefix}equipment__type__name", None),
        "project": ("project_id", "project__name", None),
        "year": ("year", None, None),
    }[by]
    if year:
        manual, repairs, billed = (q.filter(year=year) for q in (manual, repairs, billed))
    if project_id:
        manual, repairs, billed = (q.filter(project_id=project_id) for q in (manual, repairs, billed))
    rows: dict = defaultdict(lambda: {"label": "", "manual": ZERO, "repairs": ZERO, "billed": ZERO})
    fields = [f for f in (key, label, extra) if f]
    for row in manual.values(*fields).annotate(total=Sum("amount")).order_by():
        entry = rows[row[key]]
        entry["label"] = " ".join(str(row[f]) for f in fields[1:]) or str(row[key])
        entry["manual"] += row["total"] or ZERO
    rfields = [f for f in repair_key if f]
    for column, queryset, amount in (("repairs", repairs, "cost"), ("billed", billed, "amount")):
        for row in queryset.values(*rfields).annotate(total=Sum(amount)).order_by():
            entry = rows[row[rfields[0]]]
            entry["label"] = (
                entry["label"] or " ".join(str(row[f]) for f in rfields[1:]) or str(row[rfields[0]])
            )
            entry[column] += row["total"] or ZERO
    out = [
        {
            "key": k,
            "label": v["label"],
            "manual": v["manual"],
            "repairs": v["repairs"],
            "total": v["manual"] + v["repairs"],
            "billed": v["billed"],
        }
        for k, v in rows.items()
    ]
    return sorted(out, key=lambda r: (-r["total"], -r["billed"], str(r["key"])))


def cost_sum(rows: list[dict]) -> dict:
    """The grand totals of ``cost_totals`` rows (billed kept apart, as in the rows)."""
    return {
        column: sum((r[column] for r in rows), start=ZERO)
        for column in ("manual", "repairs", "total", "billed")
    }


def patrol_figures(user, *, since: datetime.datetime | None = None, project_id: int | None = None) -> dict:
    """Rounds completed on time, missed checkpoints per route and per person, findings per route."""
    rounds = PatrolRound.objects.visible_to(user).filter(closed_at__isnull=False)
    missed = MissedCheckpoint.objects.visible_to(user)
    findings = PatrolFinding.objects.visible_to(user)
    if since is not None:
        rounds = rounds.filter(window_start__gte=since)
        missed = missed.filter(round__window_start__gte=since)
        findings = findings.filter(round__window_start__gte=since)
    if project_id:
        rounds, missed, findings = (q.filter(project_id=project_id) for q in (rounds, missed, findings))
    by_route = {
        r["route_id"]: {**r, "missed": 0, "findings": 0}
        for r in rounds.values("route_id", "route__name", "project__name")
        .annotate(
            rounds=Count("id"),
            on_time=Count("id", filter=Q(status=RoundStatus.COMPLETED, irregular_count=0)),
            irregular=Count("id", filter=Q(irregular_count__gt=0)),
        )
        .order_by("route__name")
    }
    for row in missed.values("round__route_id").annotate(n=Count("id")).order_by():
        if row["round__route_id"] in by_route:
            by_route[row["round__route_id"]]["missed"] = row["n"]
    for row in findings.values("round__route_id").annotate(n=Count("id")).order_by():
        if row["round__route_id"] in by_route:
            by_route[row["round__route_id"]]["findings"] = row["n"]
    people = list(
        missed.values("staff_id", "staff__name")
        .annotate(missed=Count("id"))
        .order_by("-missed", "staff__name")
    )
    return {"routes": list(by_route.values()), "people": people}


def patrol_today(user, *, now: datetime.datetime | None = None, project_id: int | None = None) -> dict:
    """A supervisor's today (Asia/Shanghai): the rounds in progress now, every round of today per
    route, and the checkpoints missed today per route and per person. Five queries, however many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time(), tzinfo=zone)
    end = start + datetime.timedelta(days=1)
    rounds_qs = PatrolRound.objects.visible_to(user)
    missed = MissedCheckpoint.objects.visible_to(user)
    if project_id:
        rounds_qs, missed = rounds_qs.filter(project_id=project_id), missed.filter(project_id=project_id)
    rounds = list(
        rounds_qs.filter(window_start__gte=start, window_start__lt=end)
        .select_related("route", "assignee", "project")
        .order_by("route__name", "window_start", "id")
    )
    for patrol in rounds:
        patrol.live = patrol.closed_at is None and (
            patrol.window_start <= now < patrol.window_end or patrol.status == RoundStatus.IN_PROGRESS
        )
    missed = missed.filter(round__window_start__gte=start, round__window_start__lt=end)
    by_route = list(
        missed.values("round__route_id", "round__route__name")
        .annotate(n=Count("id"))
        .order_by("-n", "round__route__name")
    )
    by_person = list(
        missed.values("staff_id", "staff__name").annotate(n=Count("id")).order_by("-n", "staff__name")
    )
    routes: dict = {}
    for patrol in rounds:
        routes.setdefault(patrol.route_id, {"route": patrol.route, "rounds": []})["rounds"].append(patrol)
    return {
        "now": now,
        "today": today,
        "in_progress": [p for p in rounds if p.live],
        "routes": list(routes.values()),
        "missed_by_route": by_route,
        "missed_by_person": by_person,
        "missed_total": sum(r["n"] for r in by_route),
        "missed": list(
            missed.select_related("checkpoint", "round__route", "staff").order_by(
                "-round__window_start", "id"
            )[:50]
        ),
    }
