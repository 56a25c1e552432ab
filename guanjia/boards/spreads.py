"""What the roll-up keeps per finished period: the times' median and 90th percentile
(``FigureSpread``) and the sums (``FigurePeriod``).

Percentiles do not add up from daily sums (``boards.rollup`` keeps those), so a figures table used to
sort every first-round clock of its whole range on each call: at company scale the slowest part of
the figures. The roll-up job now also computes, exactly and by the same definition
(``clocks.time_percentiles``), the median and 90th percentile of every *finished* day, week, month
and quarter touched by the days it re-sums. A figures table then reads the whole finished periods
of its range from here and computes live only the partial periods at its edges and the one still
running — the same numbers either way (``boards/tests/test_rollup.py``).

A finished week, month or quarter whose days are all rolled up also keeps its sums per project and
key (``FigurePeriod``), so a table reads one row per group for it rather than one per day.

Grouped by project, a stored spread row is one project's and is read by whoever sees that project. Grouped
by department, category or person, a row is over the whole company, so it is read only by those who
see the whole company; others get their own projects' figures live, as before.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

# figure_table reads the stored periods from here, and this module computes them with
# figure_table's group keys: two halves of one figure, each referring to the other by name.
from guanjia.boards import clocks, figure_table, rollup, sums
from guanjia.boards.households import period_last_day
from guanjia.boards.measures import _day_start, local_tz
from guanjia.boards.models import (
    DIMENSIONS,
    FigureDay,
    FigurePeriod,
    FigureRollup,
    FigureSpread,
    FigureSpreadPeriod,
)
from guanjia.core.scoping import scope_for
from guanjia.sla.models import TicketDeadline

ONE_DAY = datetime.timedelta(days=1)


def period_first(period: str, day: datetime.date) -> datetime.date:
    """The first day of the period holding ``day`` (weeks start on Monday, as ``TruncWeek``)."""
    if period == "day":
        return day
    if period == "week":
        return day - datetime.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def whole_periods(period: str, start: datetime.date, end: datetime.date, today: datetime.date):
    """The first days of the periods lying wholly in [start, end] that ended before ``today``."""
    first = period_first(period, start)
    if first < start:
        first = period_last_day(period, first) + ONE_DAY
    out = []
    while (last := period_last_day(period, first)) <= end and last < today:
        out.append(first)
        first = last + ONE_DAY
    return out


def _days_of(period: str, first: datetime.date) -> set[datetime.date]:
    last = period_last_day(period, first)
    return {first + datetime.timedelta(days=n) for n in range((last - first).days + 1)}


def stored(
    user, group_by: str, period: str, start, end, today, *, rolled: set, skip: frozenset = frozenset()
) -> tuple[dict, set]:
    """The kept (median, p90) seconds per (period's first day, group key) and stage for the whole
    finished periods of [start, end] the job has computed, and the days those periods cover.

    Two queries (the computed periods, their rows); none when the range holds no whole finished
    period with a rolled-up day (``rolled``: the job keeps a period's spread in the transaction that
    rolls up its days, so a period none of whose days is rolled up has none) or the rows would not
    be the user's (a grouping over the company for a user who sees only some projects). Periods in
    ``skip`` (their rows already read whole, ``figure_table``) are left out."""
    scope = scope_for(user)
    firsts = [
        first
        for first in whole_periods(period, start, end, today)
        if first not in skip and _days_of(period, first) & rolled
    ]
    if not firsts or scope.company_id is None or not (group_by == "project" or scope.is_hq):
        return {}, set()
    computed = list(
        FigureSpreadPeriod.objects.filter(
            company_id=scope.company_id, period=period, period_start__in=firsts
        ).values_list("period_start", flat=True)
    )
    if not computed:
        return {}, set()
    out: dict[tuple, dict[str, tuple]] = {}
    for first, key, stage, median, p90 in (
        FigureSpread.objects.visible_to(user)
        .filter(dimension=group_by, period=period, period_start__in=computed)
        .values_list("period_start", "key", "stage", "median_seconds", "p90_seconds")
    ):
        group = rollup._key(group_by, key)
        out.setdefault((first, group), {})[stage] = (median, p90)
    days = set().union(*(_days_of(period, first) for first in computed))
    return out, days


def kept_sum_periods(user, period: str, start, end, today, *, rolled: set) -> dict[datetime.date, object]:
    """The whole finished periods of [start, end] whose days are all rolled up and whose sums are
    kept (``FigurePeriod``), each with when the job computed it (``FigureSpreadPeriod.computed_at``:
    a period's sums and spreads are replaced together, so this stamps both). One query, none when
    the range holds no such period."""
    scope = scope_for(user)
    if period == "day" or scope.company_id is None:
        return {}
    firsts = [
        first for first in whole_periods(period, start, end, today) if _days_of(period, first) <= rolled
    ]
    if not firsts:
        return {}
    return dict(
        FigureSpreadPeriod.objects.filter(
            company_id=scope.company_id, period=period, period_start__in=firsts, sums_kept=True
        ).values_list("period_start", "computed_at")
    )


def stored_sums(user, group_by: str, period: str, firsts) -> dict:
    """The kept sums (``FigurePeriod``) per (period's first day, group key) of the kept periods
    ``firsts`` (``kept_sum_periods``), for the projects the user sees: one query, none without."""
    if not firsts:
        return {}
    rows = FigurePeriod.objects.visible_to(user).filter(
        dimension=group_by, period=period, period_start__in=sorted(firsts)
    )
    return {
        (first, rollup._key(group_by, key)): measures
        for (first, key), measures in rollup.sums_by(rows, "period_start", "key")
    }


def days_of(period: str, firsts) -> set[datetime.date]:
    """Every day of the periods beginning on ``firsts``."""
    return set().union(*(_days_of(period, first) for first in firsts))


def _store_sums(company, period: str, firsts: list[datetime.date]) -> None:
    """Add up the ``FigureDay`` rows of each of ``firsts``' periods (every day rolled up), per project,
    grouping and key: one grouped query."""
    trunc, _label = figure_table.PERIODS[period]
    wanted = set(firsts)
    rows = FigureDay.objects.filter(
        company=company, day__gte=firsts[0], day__lte=period_last_day(period, firsts[-1])
    ).annotate(p=trunc("day"))
    FigurePeriod.objects.bulk_create(
        [
            FigurePeriod(
                company=company,
                project_id=project_id,
                period=period,
                period_start=first,
                dimension=dimension,
                key=key,
                **measures,
            )
            for (p, project_id, dimension, key), measures in rollup.sums_by(
                rows, "p", "project_id", "dimension", "key"
            )
            if (first := figure_table._period_key(p)) in wanted
        ],
        batch_size=2000,
    )


def _all_rolled(company, period: str, firsts: list[datetime.date]) -> list[datetime.date]:
    """Those of ``firsts`` whose every day is rolled up (one query)."""
    rolled = set(
        FigureRollup.objects.filter(
            company=company,
            day__gte=firsts[0],
            day__lte=period_last_day(period, firsts[-1]),
            through__isnull=True,  # a day summed only in part (``rollup.rollup_today``) is not done
        ).values_list("day", flat=True)
    )
    return [first for first in firsts if _days_of(period, first) <= rolled]


def store(company, days, *, now=None) -> int:
    """Compute and keep the spreads of every finished period (of each kind) holding one of ``days``,
    for one company; returns the rows written. Called by the roll-up, in its transaction and under
    its lock on the company, so a period is replaced whole or not at all."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    written = 0
    for period, (trunc, _label) in figure_table.PERIODS.items():
        wanted = sorted(
            {
                first
                for first in {period_first(period, d) for d in days}
                if period_last_day(period, first) < today
            }
        )
        if not wanted:
            continue
        FigureSpread.objects.filter(company=company, period=period, period_start__in=wanted).delete()
        FigureSpreadPeriod.objects.filter(company=company, period=period, period_start__in=wanted).delete()
        # A day's sums are its FigureDay rows; a longer period's are kept once all its days are.
        summed = set()
        if period != "day":
            FigurePeriod.objects.filter(company=company, period=period, period_start__in=wanted).delete()
            summed = set(_all_rolled(company, period, wanted))
            if summed:
                _store_sums(company, period, sorted(summed))
        rows = []
        for dimension in DIMENSIONS:
            spread = clocks.time_percentiles(
                TicketDeadline.objects.filter(company=company),
                trunc=trunc,
                tz=local_tz(),
                group=sums.deadline_group(dimension),
                start=_day_start(wanted[0]),
                end=_day_start(period_last_day(period, wanted[-1]) + ONE_DAY),
            )
            for (value, key), stages in spread.items():
                first = figure_table._period_key(value)
                if first not in wanted:  # a period between two asked for
                    continue
                for stage, (median, p90) in stages.items():
                    rows.append(
                        FigureSpread(
                            company=company,
                            project_id=key if dimension == "project" else None,
                            dimension=dimension,
                            period=period,
                            period_start=first,
                            key="" if key is None else str(key),
                            stage=stage,
                            median_seconds=median,
                            p90_seconds=p90,
                        )
                    )
        FigureSpread.objects.bulk_create(rows, batch_size=2000)
        FigureSpreadPeriod.objects.bulk_create(
            [
                FigureSpreadPeriod(
                    company=company, period=period, period_start=f, computed_at=now, sums_kept=f in summed
                )
                for f in wanted
            ]
        )
        written += len(rows)
    return written
