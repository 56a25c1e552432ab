"""Boards and figures: read-only aggregates over requests and their stored deadlines.

"Overdue" is only ever a query on stored deadlines (``TicketDeadline.objects.overdue``: not done,
not paused, past due), so a request late in the database is late on every board and figure before
any job has run. Every board and figure is a fixed number of grouped queries, whatever the number
of projects, people or periods: no query inside a loop.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from guanjia.boards.measures import (
    DUE_SOON,
    SATISFACTION_DAYS,
    _day_start,
    _satisfaction,
    _score_counts,
    _stage_counts,
    local_tz,
)
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.sla.choices import Stage
from guanjia.sla.models import TicketDeadline
from guanjia.tickets.choices import Priority, Status
from guanjia.tickets.models import FollowUpCall, Ticket


def project_board(user, project_id, *, now: datetime.datetime | None = None) -> dict:
    """One project's board: open requests by status; requests running late and due within the hour
    (as the request list's filters count them) and their deadlines by stage; today's completions
    and the last 30 days' satisfaction (ratings of work completed then, every follow-up call made
    then). Six queries, the project's included."""
    require(user, Perm.VIEW_ESTATES)
    project = visible_or_404(Project.objects, project_id, user)
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())

    by_status = dict(
        Ticket.objects.visible_to(user)
        .filter(project_id=project.id)
        .open()
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    clocks = TicketDeadline.objects.visible_to(user).filter(project_id=project.id)
    late, due_soon = clocks.overdue(now), clocks.due_soon(now, now + DUE_SOON)
    # Late and due-soon deadlines by stage (labelled so on the page); the totals count requests,
    # as the request list's "overdue" and "due soon" filters do (a request can have two late clocks).
    deadlines = (
        (late | due_soon)
        .order_by()
        .values("stage")
        .annotate(
            overdue=Count("id", filter=Q(due_at__lt=now)),
            soon=Count("id", filter=Q(due_at__gte=now)),
        )
    )
    overdue = {d["stage"]: d["overdue"] for d in deadlines}
    soon = {d["stage"]: d["soon"] for d in deadlines}
    requests = (late | due_soon).aggregate(
        overdue=Count("ticket_id", distinct=True, filter=Q(due_at__lt=now)),
        soon=Count("ticket_id", distinct=True, filter=Q(due_at__gte=now)),
    )
    since = now - datetime.timedelta(days=SATISFACTION_DAYS)
    start, end = _day_start(today), _day_start(today + datetime.timedelta(days=1))
    sums = (
        Ticket.objects.visible_to(user)
        .filter(project_id=project.id)
        .aggregate(
            completed_today=Count("id", filter=Q(completed_at__gte=start, completed_at__lt=end)),
            urgent_open=Count(
                "id",
                filter=Q(priority=Priority.URGENT) & ~Q(status__in=[Status.CLOSED, Status.CANCELLED]),
            ),
            **_score_counts("rating", Q(completed_at__gte=since)),
        )
    )
    # Every follow-up call of the last 30 days, satisfied or not (the request may be in rework).
    calls = (
        FollowUpCall.objects.visible_to(user)
        .filter(project_id=project.id, made_at__gte=since)
        .aggregate(**_score_counts("score", Q()))
    )
    statuses = [s for s in Status if s not in (Status.CLOSED, Status.CANCELLED)]
    return {
        "project": {"id": project.id, "name": project.name, "code": project.code},
        "now": now,
        "open_total": sum(by_status.values()),
        "open_by_status": [
            {"status": s.value, "label": str(s.label), "count": by_status.get(s.value, 0)} for s in statuses
        ],
        "overdue_total": requests["overdue"],
        "overdue_deadlines": sum(overdue.values()),
        "overdue_by_stage": _stage_counts(overdue),
        "due_soon_total": requests["soon"],
        "due_soon_by_stage": _stage_counts(soon),
        "urgent_open": sums["urgent_open"],
        "completed_today": sums["completed_today"],
        "satisfaction_days": SATISFACTION_DAYS,
        "follow_up_score": _satisfaction(calls, "score"),
        "rating": _satisfaction(sums, "rating"),
    }


# ---------------------------------------------------------------------------------------------
# HQ 24-hour board


def hq_board(user, *, now: datetime.datetime | None = None) -> dict:
    """One row per project the user may see (HQ roles: the whole company), worst first.

    Four grouped queries whatever the number of projects. Every visible project has a row, so
    no project's overdue deadline can be left off the board. 已超时 counts requests running late
    (the request list's overdue filter); the columns by stage count late deadlines.
    """
    require(user, Perm.VIEW_ESTATES)
    now = now or timezone.now()
    projects = list(Project.objects.visible_to(user).order_by("name").values("id", "name", "code"))
    tickets = {
        r["project_id"]: r
        for r in Ticket.objects.visible_to(user)
        .open()
        .order_by()
        .values("project_id")
        # COUNT(*), not COUNT(id): answered from the open-backlog index alone (index-only scan).
        .annotate(open=Count("*"), urgent=Count("priority", filter=Q(priority=Priority.URGENT)))
    }
    late = TicketDeadline.objects.visible_to(user).overdue(now)
    # Requests running late per project, as the request list's overdue filter counts them.
    late_requests = dict(
        late.order_by().values_list("project_id").annotate(n=Count("ticket_id", distinct=True))
    )
    overdue: dict[int, dict[str, int]] = {}
    oldest: dict[int, datetime.datetime] = {}
    for r in late.order_by().values("project_id", "stage").annotate(n=Count("*"), oldest=Min("due_at")):
        overdue.setdefault(r["project_id"], {})[r["stage"]] = r["n"]
        if r["project_id"] not in oldest or r["oldest"] < oldest[r["project_id"]]:
            oldest[r["project_id"]] = r["oldest"]
    rows = []
    for p in projects:
        counts = overdue.get(p["id"], {})
        t = tickets.get(p["id"], {})
        rows.append(
            {
                "project": p,
                "open": t.get("open", 0),
                "urgent_open": t.get("urgent", 0),
                "overdue_total": late_requests.get(p["id"], 0),
                "overdue_deadlines": sum(counts.values()),
                "overdue_by_stage": _stage_counts(counts),
                "oldest_overdue": oldest.get(p["id"]),
            }
        )
    # Worst first: the longest-overdue project on top, then those with most open requests.
    far_future = now + datetime.timedelta(days=36500)
    rows.sort(key=lambda r: (r["oldest_overdue"] or far_future, -r["open"], r["project"]["name"]))
    totals = {
        "open": sum(r["open"] for r in rows),
        "urgent_open": sum(r["urgent_open"] for r in rows),
        "overdue_total": sum(r["overdue_total"] for r in rows),
        "overdue_deadlines": sum(r["overdue_deadlines"] for r in rows),
        "overdue_by_stage": _stage_counts(
            {s.value: sum(overdue.get(p["id"], {}).get(s.value, 0) for p in projects) for s in Stage}
        ),
    }
    return {"now": now, "rows": rows, "totals": totals}


def first_project_id(user) -> int | None:
    """The project a staff member's 看板 link opens: the first they serve, by name."""
    scope = scope_for(user)
    if not scope.project_ids:
        return None
    return (
        Project.objects.filter(id__in=scope.project_ids).order_by("name").values_list("id", flat=True).first()
    )


# ---------------------------------------------------------------------------------------------
# Figures


# The figures live in their own module; their names stay importable from here.
from guanjia.boards.figure_table import (  # noqa: E402
    DEFAULT_DAYS,
    GROUPS,
    MAX_DAYS,
    PERIODS,
    FigureParams,
    _period_key,
    figure_params,
    figures,
)
from guanjia.boards.sums import aggregate  # noqa: E402

__all__ = [
    "DEFAULT_DAYS",
    "GROUPS",
    "MAX_DAYS",
    "PERIODS",
    "FigureParams",
    "_day_start",
    "_period_key",
    "aggregate",
    "figure_params",
    "figures",
    "local_tz",
]
