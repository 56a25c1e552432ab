"""Per-person figures from the work itself (SPEC §5): requests handled, on time, satisfaction,
complaints against them, rework — for a date range, for the people the user may see.

The definitions are the boards' (``boards.selectors.aggregate``), grouped by person:

A request's **handler** is its assignee, else whoever completed it (the desk resolving it itself).

- **handled**: requests completed in the range (``completed_at``) whose handler is the person;
- **on time**: deadlines (``sla.TicketDeadline``) of the person's requests judged in the range — met
  (done by their due moment) in it, or ran out of time in it (done late, or still running late);
  stopped with time left by a cancellation: not counted — only the stages the assignee's own work
  stops (response, on site, complete; the desk answers and calls back). docs/figures.md, "Request
  clocks";
- **ratings**: of the requests handled, the residents' ratings (``rating``, 1–5: count and mean);
- **follow-up calls**: every call (``FollowUpCall``) made in the range about a round of the person's
  work, satisfied or not — a failed call is kept even though the request went back to work;
- **rework**: rounds of the person's work sent back in the range (``TicketRework``: an unsatisfied
  call or the resident's reopen);
- **complaints**: received in the range, naming the person (``subject_staff``, 被投诉(指名)) and
  handled by the person (负责投诉) — two figures, both shown;
- **first contact** (首问负责): requests received in the range that the person is accountable for
  (``first_contact``: the receiver, or whoever it was handed to); hand-overs the person made in the
  range (``handover`` events, who gave it away); and requests the person owns whose follow-up call
  (回访) they made themselves in the range (a ``FollowUpCall`` made by the owner).

docs/figures.md says what each count means. Nine grouped queries plus one for the people, whatever
their number. The requests counted are the user's visible ones: a project manager counts only the
work done in their projects.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from guanjia.boards.selectors import _day_start
from guanjia.core.dates import date_range
from guanjia.core.roles import ROLE_PERMISSIONS, Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_reference
from guanjia.estates.models import Project
from guanjia.sla.choices import Stage
from guanjia.sla.models import TicketDeadline
from guanjia.staff.models import StaffMember, StaffRole
from guanjia.tickets.choices import Action, Kind
from guanjia.tickets.models import FollowUpCall, Ticket, TicketEvent, TicketRework

ASSIGNEE_STAGES = (Stage.RESPONSE, Stage.ON_SITE, Stage.COMPLETE)
DEFAULT_DAYS = 90
MAX_DAYS = 366
SORT_KEYS = (
    "name",
    "handled",
    "on_time_rate",
    "rating_mean",
    "satisfied_rate",
    "complaints",
    "complaints_assigned",
    "rework",
    "first_contact_owned",
    "handed_over",
    "owner_followed_up",
)


@dataclass(frozen=True)
class FigureQuery:
    project: Project | None
    start: datetime.date
    end: datetime.date  # included


def figure_query(user, *, project_id=None, start=None, end=None, today=None) -> FigureQuery:
    """Check the parameters: a visible project (or none: every visible one) and a date range."""
    project = None
    if project_id not in (None, ""):
        project = visible_reference(Project, project_id, user, field="project")
    # date_range refuses days outside the accepted years (no work then, and no overflow).
    start, end = date_range(
        start, end, today=today or timezone.localdate(), default_days=DEFAULT_DAYS, max_days=MAX_DAYS
    )
    return FigureQuery(project, start, end)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(total, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def people(user, project: Project | None):
    """The people whose figures the user may see: visible staff, those serving ``project`` if given."""
    qs = StaffMember.objects.visible_to(user)
    if project is not None:
        qs = qs.filter(projects=project)
    return qs


def staff_figures(user, query: FigureQuery, *, staff_ids=None) -> list[dict]:
    """One row per person the user may see (zeros where they did nothing), by name."""
    require(user, Perm.REVIEW_STAFF)
    members = people(user, query.project)
    tickets = Ticket.objects.visible_to(user)
    deadlines = TicketDeadline.objects.visible_to(user)
    events = TicketEvent.objects.visible_to(user)
    calls = FollowUpCall.objects.visible_to(user)
    reworks = TicketRework.objects.visible_to(user)
    if query.project is not None:
        tickets = tickets.filter(project_id=query.project.id)
        deadlines = deadlines.filter(project_id=query.project.id)
        events = events.filter(project_id=query.project.id)
        calls = calls.filter(project_id=query.project.id)
        reworks = reworks.filter(project_id=query.project.id)
    if staff_ids is not None:  # a few people: only their rows (otherwise everyone's, grouped)
        members = members.filter(id__in=staff_ids)
        tickets = tickets.filter(
            Q(assignee_id__in=staff_ids)
            | Q(completed_by_id__in=staff_ids)
            | Q(subject_staff_id__in=staff_ids)
            | Q(first_contact_id__in=staff_ids)
        )
        deadlines = deadlines.filter(
            Q(ticket__assignee_id__in=staff_ids) | Q(ticket__completed_by_id__in=staff_ids)
        )
        calls = calls.filter(Q(handler_id__in=staff_ids) | Q(made_by_id__in=staff_ids))
        reworks = reworks.filter(handler_id__in=staff_ids)
    return compute(
        members, tickets, deadlines, query.start, query.end, events=events, calls=calls, reworks=reworks
    )


def ranked_people(project: Project):
    """Who a project's ranking sheet ranks: everyone serving it except the reviewers (project
    managers, HQ quality, administrators: whoever may review and publish a sheet)."""
    reviewers = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.REVIEW_STAFF in perms]
    return StaffMember.objects.filter(
        company_id=project.company_id, deleted_at__isnull=True, projects=project
    ).exclude(Exists(StaffRole.objects.filter(staff_id=OuterRef("pk"), role__in=reviewers)))


def project_figures(project: Project, start: datetime.date, end: datetime.date) -> list[dict]:
    """The figures of the people a project's sheet ranks, from that project's work (no user: the
    quarterly job drafts too)."""
    return compute(
        ranked_people(project),
        Ticket.objects.filter(company_id=project.company_id, project_id=project.id),
        TicketDeadline.objects.filter(company_id=project.company_id, project_id=project.id),
        start,
        end,
        events=TicketEvent.objects.filter(company_id=project.company_id, project_id=project.id),
        calls=FollowUpCall.objects.filter(company_id=project.company_id, project_id=project.id),
        reworks=TicketRework.objects.filter(company_id=project.company_id, project_id=project.id),
    )


def compute(
    members, tickets, deadlines, first: datetime.date, last: datetime.date, *, events, calls, reworks
) -> list[dict]:
    """The figures of ``members`` from already scoped ``tickets``, ``deadlines``, ``events``,
    follow-up ``calls`` and ``reworks``, days ``first``…``last`` in Shanghai time. Ten queries."""
    members = list(members.order_by("name", "id").values("id", "name", "department", "employee_no"))
    start = _day_start(first)
    end = _day_start(last + datetime.timedelta(days=1))
    handler = Coalesce(F("assignee_id"), F("completed_by_id"))
    work = {
        r["h"]: r
        for r in tickets.filter(completed_at__gte=start, completed_at__lt=end)
        .annotate(h=handler)
        .filter(h__isnull=False)
        .order_by()
        .values("h")
        .annotate(
            handled=Count("id"),
            ratings=Count("id", filter=Q(rating__isnull=False)),
            rating_sum=Sum("rating"),
        )
    }
    # The boards' on-time definition (``sla.models.DeadlineQuerySet``): clocks met in the range or
    # that ran out of time in it (done late, still running late); stopped ones are left out.
    judged = deadlines.met(start, end) | deadlines.missed(start, end, timezone.now())
    timely = {
        r["h"]: r
        for r in judged.filter(stage__in=ASSIGNEE_STAGES)
        .annotate(h=Coalesce(F("ticket__assignee_id"), F("ticket__completed_by_id")))
        .filter(h__isnull=False)
        .order_by()
        .values("h")
        .annotate(
            done=Count("id"),
            on_time=Count("id", filter=Q(done_at__isnull=False, done_at__lte=F("due_at"), stopped=False)),
        )
    }
    complaints_in_range = tickets.filter(kind=Kind.COMPLAINT, received_at__gte=start, received_at__lt=end)
    complaints = dict(
        complaints_in_range.filter(subject_staff_id__isnull=False)
        .order_by()
        .values_list("subject_staff_id")
        .annotate(n=Count("id"))
    )
    complaints_assigned = dict(
        complaints_in_range.annotate(h=handler)
        .filter(h__isnull=False)
        .order_by()
        .values_list("h")
        .annotate(n=Count("id"))
    )
    calls_in_range = calls.filter(made_at__gte=start, made_at__lt=end)
    answered = {
        r["handler_id"]: r
        for r in calls_in_range.filter(handler_id__isnull=False)
        .order_by()
        .values("handler_id")
        .annotate(answered=Count("id"), satisfied=Count("id", filter=Q(satisfied=True)))
    }
    # The owner's own calls: requests they own whose call they made themselves in the range.
    owner_called = dict(
        calls_in_range.filter(made_by_id=F("ticket__first_contact_id"))
        .order_by()
        .values_list("made_by_id")
        .annotate(n=Count("ticket_id", distinct=True))
    )
    rework = dict(
        reworks.filter(started_at__gte=start, started_at__lt=end, handler_id__isnull=False)
        .order_by()
        .values_list("handler_id")
        .annotate(n=Count("id"))
    )
    owned = dict(
        tickets.filter(received_at__gte=start, received_at__lt=end)
        .order_by()
        .values_list("first_contact_id")
        .annotate(n=Count("id"))
    )
    # The hand-over's event names who gave the request away (tickets.services: ``handed_from_id``).
    handed = dict(
        events.filter(action=Action.HANDOVER, time__gte=start, time__lt=end)
        .annotate(giver=Cast(KeyTextTransform("handed_from_id", "data"), IntegerField()))
        .filter(giver__isnull=False)
        .order_by()
        .values_list("giver")
        .annotate(n=Count("id"))
    )
    rows = []
    for m in members:
        w = work.get(m["id"], {})
        t = timely.get(m["id"], {})
        a = answered.get(m["id"], {})
        ratings, calls_n = w.get("ratings", 0), a.get("answered", 0)
        done, on_time = t.get("done", 0), t.get("on_time", 0)
        rows.append(
            {
                "staff_id": m["id"],
                "name": m["name"],
                "department": m["department"],
                "employee_no": m["employee_no"],
                "handled": w.get("handled", 0),
                "deadlines_done": done,
                "deadlines_on_time": on_time,
                "on_time_rate": _rate(on_time, done),
                "ratings": ratings,
                "rating_mean": _mean(w.get("rating_sum"), ratings),
                "answered": calls_n,
                "satisfied": a.get("satisfied", 0),
                "satisfied_rate": _rate(a.get("satisfied", 0), calls_n),
                "complaints": complaints.get(m["id"], 0),
                "complaints_assigned": complaints_assigned.get(m["id"], 0),
                "rework": rework.get(m["id"], 0),
                "first_contact_owned": owned.get(m["id"], 0),
                "handed_over": handed.get(m["id"], 0),
                "owner_followed_up": owner_called.get(m["id"], 0),
            }
        )
    most = max((r["complaints"] for r in rows), default=0)
    for r in rows:
        r["most_complained"] = most > 0 and r["complaints"] == most
    return rows


def sort_rows(rows: list[dict], key: str, descending: bool = False) -> list[dict]:
    """Sort figure rows by one column; empty values (no rating, nothing due) always last."""
    if key not in SORT_KEYS:
        key = "name"
    present = [r for r in rows if r[key] is not None]
    missing = [r for r in rows if r[key] is None]
    present.sort(key=lambda r: (r[key], r["name"]), reverse=descending)
    return present + missing


def ranking_order(rows: list[dict]) -> list[dict]:
    """The sheet's suggested order (a reviewer's starting point, not a verdict): people with work
    before people without; then fewest complaints, best mean rating, best on-time share, least
    rework, most handled; then name."""

    def key(r):
        return (
            r["handled"] == 0,
            r["complaints"],
            -(r["rating_mean"] if r["rating_mean"] is not None else Decimal("-1")),
            -(r["on_time_rate"] if r["on_time_rate"] is not None else -1),
            r["rework"],
            -r["handled"],
            r["name"],
            r["staff_id"],
        )

    return sorted(rows, key=key)
