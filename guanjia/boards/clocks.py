"""The request clocks' figures: on-time rates per stage and the first round's times.

The definitions are the deadlines' own (``sla.models.DeadlineQuerySet``: ``met``, ``missed``,
``stopped_in_time``, ``first_round_done``); docs/figures.md ("Request clocks") says them in words.
Here they are summed by period and group for the figures table, the export, the API and the
roll-up (additive sums), and the times' median and 90th percentile are read live (not additive).
"""

from __future__ import annotations

import bisect
import datetime
import math

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, FloatField, Func, Q, Sum
from django.db.models.aggregates import Aggregate
from django.db.models.functions import Cast

from guanjia.boards.models import TIMED_STAGES
from guanjia.core.statements import prepared_rows

PERCENTILES = (0.5, 0.9)


def _seconds(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # a backend that hands back microseconds


_ELAPSED = ExpressionWrapper(F("done_at") - F("started_at"), output_field=DurationField())


def live_rows(prepared, name, model, build, **values):
    """The rows of ``build(**values)``, a ``.values()`` queryset of ``model``.

    With ``prepared`` — what decides the SQL besides ``name`` and the values: the user's ``Scope``
    for a ``visible_to`` read — from a statement built once per process (``core.statements``): the
    figures' live part (what happened since the job's run) is read on every call, and building its
    eight grouped queries cost Django more than PostgreSQL took to run them. Without it (the job),
    built now."""
    if prepared is None:
        return build(**values)
    return prepared_rows(model, name, prepared, build, **values)


def clock_measures(
    deadlines, *, trunc, tz, keys, group, start, end, now, add, prepared=None, shape=()
) -> None:
    """Sum the clocks of ``deadlines`` in [start, end) into ``add(row, name, value)`` by ``keys``
    (the period ``p``, the group ``g`` — ``group``, an expression on the deadline — maybe
    ``project_id``) and stage. Three grouped queries; ``prepared`` and ``shape``: ``live_rows``'s
    key, and what else decides the SQL (the grouping, the period, the keys)."""

    def by_stage(queryset, moment: str):
        """``queryset`` grouped by the period of its ``moment``, the group key and the stage."""
        return queryset.annotate(p=trunc(moment, tzinfo=tz), g=group).order_by().values(*keys, "stage")

    def ended_in_time(start, end):
        return by_stage(
            deadlines.met(start, end) | deadlines.stopped_in_time(start, end), "done_at"
        ).annotate(met=Count("id", filter=Q(stopped=False)), stopped=Count("id", filter=Q(stopped=True)))

    def missed(start, until):
        return by_stage(deadlines.missed(start, until, until), "due_at").annotate(n=Count("id"))

    def timed(start, end):
        return by_stage(deadlines.first_round_done(start, end, TIMED_STAGES), "done_at").annotate(
            n=Count("id"), elapsed=Sum(_ELAPSED), held=Sum("paused_seconds")
        )

    model = deadlines.model
    for r in live_rows(prepared, (*shape, "ended"), model, ended_in_time, start=start, end=end):
        add(r, f"{r['stage']}_done", r["met"])
        add(r, f"{r['stage']}_on_time", r["met"])
        add(r, f"{r['stage']}_stopped", r["stopped"])
    # Ran out of time before ``end`` and before now: one moment, so the statement needs no ``min``.
    for r in live_rows(prepared, (*shape, "missed"), model, missed, start=start, until=min(end, now)):
        add(r, f"{r['stage']}_done", r["n"])
    for r in live_rows(prepared, (*shape, "timed"), model, timed, start=start, end=end):
        add(r, f"{r['stage']}_time_n", r["n"])
        add(r, f"{r['stage']}_time_seconds", _seconds(r["elapsed"]) - (r["held"] or 0))


# Median and 90th percentile --------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    """The continuous percentile (linear between the two nearest ranks), as PostgreSQL's
    ``PERCENTILE_CONT`` computes it: one meaning on every database."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentile_with(kept, extra: list[float], fraction: float) -> float | None:
    """``percentile`` of ``kept`` and ``extra`` taken together, both sorted, without merging them:
    the running period's thousands of kept times (shared by calls, never changed) and today's few."""
    size = len(kept) + len(extra)
    if not size:
        return None
    rank = fraction * (size - 1)
    low = math.floor(rank)
    high = min(low + 1, size - 1)
    at_low, at_high = _nth(kept, extra, low), _nth(kept, extra, high)
    return at_low + (at_high - at_low) * (rank - low)


def _nth(kept, extra: list[float], n: int) -> float:
    """The ``n``-th smallest (from 0) of two sorted sequences, ``extra`` the short one: each of its
    values sits after the kept values not above it and the extra values before it."""
    for before, value in enumerate(extra):
        at = bisect.bisect_right(kept, value) + before
        if at == n:
            return value
        if at > n:
            return kept[n - before]
    return kept[n - len(extra)]


def held_seconds(elapsed: datetime.timedelta, paused: int) -> float:
    """A clock's time in seconds, hold excluded, rounded to a float once from the exact value — as
    PostgreSQL rounds ``EXTRACT(EPOCH FROM done_at - started_at) - paused_seconds`` (``_HeldSeconds``)."""
    whole = elapsed.days * 86_400 + elapsed.seconds - paused
    return (whole * 1_000_000 + elapsed.microseconds) / 1_000_000


def first_round_times(deadlines, *, group, start, end):
    """(group key, stage, seconds) of every first-round clock of a timed stage done in [start, end):
    the times themselves, for percentiles taken together with kept ones (``boards.samples``).
    PostgreSQL computes the seconds (``_HeldSeconds``, rounded once to a double, as ``held_seconds``
    rounds): a day's 5,000 clocks arrive as floats rather than as pairs of timestamps to parse."""
    rows = deadlines.first_round_done(start, end, TIMED_STAGES).annotate(g=group).order_by()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(deadlines.model._meta.db_table)
        yield from rows.values_list("g", "stage", Cast(_HeldSeconds(_ELAPSED, table=table), FloatField()))
        return
    for key, stage, done_at, started_at, paused in rows.values_list(
        "g", "stage", "done_at", "started_at", "paused_seconds"
    ):
        yield key, stage, held_seconds(done_at - started_at, paused)


class _HeldSeconds(Func):
    """PostgreSQL: the clock's time in seconds, hold excluded."""

    template = '(EXTRACT(EPOCH FROM (%(expressions)s)) - %(table)s."paused_seconds")'
    output_field = FloatField()


class _PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def time_percentiles(deadlines, *, trunc, tz, group, start, end) -> dict[tuple, dict[str, tuple]]:
    """Per (period, group) and timed stage: (median, p90) seconds of the first round's times done in
    [start, end). PostgreSQL computes them (``PERCENTILE_CONT``); elsewhere one query reads the
    times and Python computes the same numbers (``percentile``)."""
    rows = (
        deadlines.first_round_done(start, end, TIMED_STAGES)
        .annotate(p=trunc("done_at", tzinfo=tz), g=group)
        .order_by()
    )
    out: dict[tuple, dict[str, tuple]] = {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(deadlines.model._meta.db_table)
        seconds = _HeldSeconds(_ELAPSED, table=table)
        for r in rows.values("p", "g", "stage").annotate(
            median=_PercentileCont(seconds, fraction=PERCENTILES[0]),
            p90=_PercentileCont(seconds, fraction=PERCENTILES[1]),
        ):
            out.setdefault((r["p"], r["g"]), {})[r["stage"]] = (r["median"], r["p90"])
        return out
    times: dict[tuple, list[float]] = {}
    for period, key, stage, done_at, started_at, held in rows.values_list(
        "p", "g", "stage", "done_at", "started_at", "paused_seconds"
    ):
        times.setdefault((period, key, stage), []).append(held_seconds(done_at - started_at, held))
    for (period, key, stage), values in times.items():
        out.setdefault((period, key), {})[stage] = tuple(percentile(values, f) for f in PERCENTILES)
    return out
