"""Per-person figures from the work itself (SPEC §5): requests handled, on time, satisfaction,
complaints against them, rework — for a date range, for the people the user may see.

The definitions are the boards' (``boards.selectors.aggregate``), grouped by person:

- **handled**: requests completed in the range (``completed_at``) whose assignee is the person;
- **on time**: deadlines (``sla.TicketDeadline``) of the person's requests judged in the range — met
  (done by their due moment) in it, or ran out of time in it (done late, or still running late);
  stopped with time left by a cancellation: not counted — only the stages the assignee's own work
  stops (response, on site, complete; the desk answers and calls back). docs/figures.md, "Request
  clocks";
- **satisfaction**: of the requests handled, the residents' ratings (``rating``, 1–5: count and
  mean) and the follow-up call's answer (``follow_up_satisfied``: share satisfied of those asked);
- **rework**: of the requests handled, those sent back at least once (``rework_count > 0``);
- **complaints**: complaints received in the range that name the person (``subject_staff``);
- **first contact** (首问负责): requests received in the range that the person is accountable for
  (``first_contact``: the receiver, or whoever it was handed to); hand-overs the person made in the
  range (``handover`` events, who gave it away); and requests the person owns whose follow-up call
  (回访) they made themselves in the range (``follow_up_by`` is the owner).

docs/figures.md says what each count means. Five grouped queries plus one for the people, whatever
their number. The requests counted are the user's visible ones: a project manager counts only the
work done in their projects.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
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
from guanjia.tickets.models import Ticket, TicketEvent

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
    if query.project is not None:
        tickets = tickets.filter(project_id=query.project.id)
        deadlines = deadlines.filter(project_id=query.project.id)
        events = events.filter(project_id=query.project.id)
    if staff_ids is not None:  # a few people: only their rows (otherwise everyone's, grouped)
        members = members.filter(id__in=staff_ids)
        tickets = tickets.filter(
            Q(assignee_id__in=staff_ids)
            | Q(subject_staff_id__in=staff_ids)
            | Q(first_contact_id__in=staff_ids)
        )
        deadlines = deadlines.filter(ticket__assignee_id__in=staff_ids)
    return compute(members, tickets, deadlines, query.start, query.end, events=events)


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
    )


def compute(members, tickets, deadlines, first: datetime.date, last: datetime.date, *, events) -> list[dict]:
    """The figures of ``members`` from already scoped ``tickets``, ``deadlines`` and ``events``,
    days ``first``…``last`` in Shanghai time. Six queries."""
    members = list(members.order_by("name", "id").values("id", "name", "department", "employee_no"))
    start = _day_start(first)
    end = _day_start(last + datetime.timedelta(days=1))
    work = {
        r["assignee_id"]: r
        for r in tickets.filter(completed_at__gte=start, completed_at__lt=end, assignee_id__isnull=False)
        .order_by()
        .values("assignee_id")
        .annotate(
            handled=Count("id"),
            ratings=Count("id", filter=Q(rating__isnull=False)),
            rating_sum=Sum("rating"),
            answered=Count("id", filter=Q(follow_up_satisfied__isnull=False)),
            satisfied=Count("id", filter=Q(follow_up_satisfied=True)),
            rework=Count("id", filter=Q(rework_count__gt=0)),
        )
    }
    # The boards' on-time definition (``sla.models.DeadlineQuerySet``): clocks met in the range or
    # that ran out of time in it (done late, still running late); stopped ones are left out.
    judged = deadlines.met(start, end) | deadlines.missed(start, end, timezone.now())
    timely = {
        r["ticket__assignee_id"]: r
        for r in judged.filter(stage__in=ASSIGNEE_STAGES, ticket__assignee_id__isnull=False)
        .order_by()
        .values("ticket__assignee_id")
        .annotate(
            done=Count("id"),
            on_time=Count("id", filter=Q(done_at__isnull=False, done_at__lte=F("due_at"), stopped=False)),
        )
    }
    complaints = dict(
        tickets.filter(
            kind=Kind.COMPLAINT, received_at__gte=start, received_at__lt=end, subject_staff_id__isnull=False
        )
        .order_by()
        .values_list("subject_staff_id")
        .annotate(n=Count("id"))
    )
    received = Q(received_at__gte=start, received_at__lt=end)
    owner_called = Q(followed_up_at__gte=start, followed_up_at__lt=end, follow_up_by_id=F("first_contact_id"))
    owned = {
        r["first_contact_id"]: r
        for r in tickets.filter(received | owner_called)
        .order_by()
        .values("first_contact_id")
        .annotate(owned=Count("id", filter=received), followed_up=Count("id", filter=owner_called))
    }
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
        fc = owned.get(m["id"], {})
        ratings, answered = w.get("ratings", 0), w.get("answered", 0)
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
                "answered": answered,
                "satisfied": w.get("satisfied", 0),
                "satisfied_rate": _rate(w.get("satisfied", 0), answered),
                "complaints": complaints.get(m["id"], 0),
                "rework": w.get("rework", 0),
                "first_contact_owned": fc.get("owned", 0),
                "handed_over": handed.get(m["id"], 0),
                "owner_followed_up": fc.get("followed_up", 0),
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
