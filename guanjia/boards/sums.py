"""The figures' additive measures summed by period and group (``aggregate``): the live part of the
table (``figure_table.figures``: days the job never summed, today since its run) and what the job
sums and keeps (``rollup``). Each group key is an expression on the row read (``request_group``,
``deadline_group``); docs/figures.md says what each measure counts."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from guanjia.boards import clocks
from guanjia.boards.measures import SCORES, _score_counts, local_tz
from guanjia.tickets.choices import Kind

# The request column each grouping reads, from a request and from a deadline.
_GROUP_FIELD = {
    "project": "project_id",
    "department": "assignee__department",
    "category": "category_id",
    "person": "assignee_id",
}


def request_group(group_by: str, path: str = "") -> F | Coalesce:
    """The group key of a request reached by ``path`` (``""``, ``"ticket__"``): its project, its
    category, or its handler (the assignee, else whoever completed it — the desk resolving a
    request itself) and the handler's department."""
    if group_by == "department":
        return Coalesce(F(f"{path}assignee__department"), F(f"{path}completed_by__department"))
    if group_by == "person":
        return Coalesce(F(f"{path}assignee_id"), F(f"{path}completed_by_id"))
    return F(f"{path}{_GROUP_FIELD[group_by]}")


def deadline_group(group_by: str) -> F | Coalesce:
    """The group key read from a deadline: its own project (grouping by project must not join the
    request history), else its request's (``request_group``)."""
    return F("project_id") if group_by == "project" else request_group(group_by, "ticket__")


# A follow-up call or a rework row names the handler of the round it judged.
_ROUND_FIELD = {
    "project": "project_id",
    "department": "handler__department",
    "category": "ticket__category_id",
    "person": "handler_id",
}
# A complaint naming a person counts for the person named (and their department).
_NAMED_FIELD = {**_GROUP_FIELD, "department": "subject_staff__department", "person": "subject_staff_id"}
# Groupings whose key is the request's own column: a complaint and its naming fall in the same row.
_SAME_NAMED_GROUP = {g for g in _GROUP_FIELD if _NAMED_FIELD[g] == _GROUP_FIELD[g]}


def aggregate(
    tickets,
    deadlines,
    calls,
    reworks,
    *,
    group_by: str,
    trunc,
    start,
    end,
    by_project: bool = False,
    now=None,
    prepared=None,
) -> dict:
    """The additive measures (``boards.models.MEASURES``) of requests, deadlines, follow-up calls
    and rework in [start, end), by period (``trunc`` in Shanghai time) and group key — and by project
    too with ``by_project``, as the roll-up stores them. Eight grouped queries, seven by project or
    category (complaints and named ones together), the clocks' three among them
    (``boards.clocks``); ``calls`` and ``reworks`` are the ``FollowUpCall`` and ``TicketRework`` rows,
    scoped like ``tickets``. ``prepared``: the querysets' ``Scope``, for statements built once per
    process and run with each call's moments (``clocks.live_rows``); the job builds them each time."""
    tz = local_tz()
    now = now or timezone.now()
    keys = ["p", "g", "project_id"] if by_project else ["p", "g"]
    shape = ("figures-live", group_by, trunc, by_project)
    out: dict[tuple, dict] = {}

    def measures(r) -> dict:
        return out.setdefault(tuple(r[k] for k in keys), {})

    def add(r, name: str, value) -> None:
        m = measures(r)
        m[name] = m.get(name, 0) + (value or 0)

    def read(name, queryset, build):
        return clocks.live_rows(prepared, (*shape, name), queryset.model, build, start=start, end=end)

    def grouped(queryset, moment: str, group):
        """``queryset`` grouped by the period of its ``moment`` and by ``group``."""
        return queryset.annotate(p=trunc(moment, tzinfo=tz), g=group).order_by().values(*keys)

    def completed(start, end):
        done = tickets.filter(completed_at__gte=start, completed_at__lt=end)
        return grouped(done, "completed_at", request_group(group_by)).annotate(
            completed=Count("id"),
            followed_up=Count("id", filter=Q(followed_up_at__isnull=False)),
            reworked=Count("id", filter=Q(rework_count__gt=0)),
            **_score_counts("rating", Q()),
        )

    for r in read("completed", tickets, completed):
        m = measures(r)
        for name in ("completed", "followed_up", "reworked"):
            m[name] = r[name]
        for part in ("n", "sum", *SCORES):
            m[f"rating_{part}"] = r[f"rating_{part}"] or 0

    def complaints(start, end, group=None):
        received = tickets.filter(kind=Kind.COMPLAINT, received_at__gte=start, received_at__lt=end)
        return grouped(received, "received_at", group or request_group(group_by))

    named = Q(subject_staff__isnull=False)
    if group_by in _SAME_NAMED_GROUP:  # both counts in one statement: the same group key

        def both(start, end):
            return complaints(start, end).annotate(n=Count("id"), named=Count("id", filter=named))

        for r in read("complaints", tickets, both):
            m = measures(r)
            m["complaints"] = r["n"]
            if r["named"]:
                m["complaints_named"] = r["named"]
    else:

        def received(start, end):
            return complaints(start, end).annotate(n=Count("id"))

        def naming(start, end):
            return complaints(start, end, F(_NAMED_FIELD[group_by])).filter(named).annotate(n=Count("id"))

        for r in read("complaints", tickets, received):
            measures(r)["complaints"] = r["n"]
        for r in read("named", tickets, naming):
            measures(r)["complaints_named"] = r["n"]

    def follow_ups(start, end):
        made = calls.filter(made_at__gte=start, made_at__lt=end)
        return grouped(made, "made_at", F(_ROUND_FIELD[group_by])).annotate(
            calls=Count("id"),
            satisfied=Count("id", filter=Q(satisfied=True)),
            **_score_counts("score", Q()),
        )

    for r in read("calls", calls, follow_ups):
        m = measures(r)
        m["follow_up_calls"] = r["calls"]
        m["follow_up_satisfied"] = r["satisfied"]
        for part in ("n", "sum", *SCORES):
            m[f"follow_up_score_{part}"] = r[f"score_{part}"] or 0

    def rework(start, end):
        started = reworks.filter(started_at__gte=start, started_at__lt=end)
        return grouped(started, "started_at", F(_ROUND_FIELD[group_by])).annotate(n=Count("id"))

    for r in read("rework", reworks, rework):
        measures(r)["rework"] = r["n"]

    clocks.clock_measures(
        deadlines,
        trunc=trunc,
        tz=tz,
        keys=keys,
        group=deadline_group(group_by),
        start=start,
        end=end,
        now=now,
        add=add,
        prepared=prepared,
        shape=shape,
    )
    return out
