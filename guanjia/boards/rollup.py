"""The figures' daily roll-up: which days are summed, summing them, and reading the sums back.

The job (``boards.tasks.rollup_figures_task``, every 10 minutes) re-sums the last
``ROLLUP_DAYS`` finished days of every company: late changes to recent requests (a rating given
days after completion, a follow-up call) reach the figures within minutes. Older days keep their
sums; ``manage.py rollup_figures --days N`` re-sums further back. Today is still changing: the job
sums it up to the moment it runs (``rollup_today``, ``FigureRollup.through``) and the figures read
what happened since live — a request's later change to something before that moment (a rating, a
pause) waits for the next run, as a finished day's does.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Field, Sum
from django.db.models.functions import TruncDay
from django.utils import timezone

# The definitions are the figures table's own, which in turn reads finished days from here: two
# halves of one figure, each module referring to the other by name.
from guanjia.boards import figure_table, samples, spreads
from guanjia.boards.measures import _day_start
from guanjia.boards.models import DIMENSIONS, MEASURES, FigureDay, FigureRollup
from guanjia.boards.sums import aggregate
from guanjia.core.cache import forget_shared_cached
from guanjia.core.models import Company
from guanjia.sla.models import TicketDeadline
from guanjia.tickets.models import FollowUpCall, Ticket, TicketRework

ROLLUP_DAYS = 35
INT_KEYS = {"project", "category", "person"}


def rolled_days(
    company_id: int | None, start: datetime.date, end: datetime.date
) -> tuple[set[datetime.date], dict[datetime.date, datetime.datetime], datetime.datetime | None]:
    """The days of [start, end] whose sums are complete, those summed only up to a moment (today,
    by the job's last run: ``rollup_today``) with that moment, and when the latest of them was
    summed (a stamp for copies of what was read from them). One query."""
    whole: set[datetime.date] = set()
    partial: dict[datetime.date, datetime.datetime] = {}
    stamp = None
    if company_id is None:
        return whole, partial, stamp
    for day, through, computed_at in FigureRollup.objects.filter(
        company_id=company_id, day__gte=start, day__lte=end
    ).values_list("day", "through", "computed_at"):
        if through is None:
            whole.add(day)
        else:
            partial[day] = through
        if stamp is None or computed_at > stamp:
            stamp = computed_at
    return whole, partial, stamp


def day_runs(start: datetime.date, end: datetime.date, *, skip: set[datetime.date]):
    """The runs of consecutive days in [start, end] that are not in ``skip``: (first, last) pairs."""
    run_start = None
    day = start
    while day <= end:
        if day in skip:
            if run_start is not None:
                yield run_start, day - datetime.timedelta(days=1)
                run_start = None
        elif run_start is None:
            run_start = day
        day += datetime.timedelta(days=1)
    if run_start is not None:
        yield run_start, end


def _key(dimension: str, text: str):
    if text == "":
        return None
    return int(text) if dimension in INT_KEYS else text


# The sums' output as the database returns it: ints for the counts, floats for the times, on both
# databases. Declared as the measures' own fields, Django would pass each of a table's ~36,000 sums
# (600 rows × 60) through int() or float() again, which took longer than the query itself.
AS_RETURNED = Field()


def sums_by(rows, *keys: str):
    """Every measure of the roll-up's ``rows`` summed by ``keys``: (the keys' values, {measure: sum})
    pairs, one grouped query."""
    sums = {f"sum_{name}": Sum(name, output_field=AS_RETURNED) for name in MEASURES}
    grouped = rows.order_by().values(*keys).annotate(**sums).values_list(*keys, *sums)
    width = len(keys)
    for row in grouped:
        # A sum over rows of non-null measures is never null.
        yield row[:width], dict(zip(MEASURES, row[width:], strict=True))


def read(user, dimension: str, trunc, days: set[datetime.date]) -> dict[tuple, dict]:
    """The stored sums of ``days`` by period and key, for the projects the user sees: one query."""
    first, last = min(days), max(days)
    rows = FigureDay.objects.visible_to(user).filter(dimension=dimension, day__gte=first, day__lte=last)
    if len(days) != (last - first).days + 1:  # a range with holes (days never rolled up)
        rows = rows.filter(day__in=sorted(days))
    return {
        (period, _key(dimension, key)): sums
        for (period, key), sums in sums_by(rows.annotate(p=trunc("day")), "p", "key")
    }


@transaction.atomic
def rollup(company: Company, days: list[datetime.date], *, now=None) -> int:
    """Re-sum ``days`` (finished days only) of one company; returns the rows written.

    Runs under a row lock on the company, so two consumers running it at once take turns and
    the unique constraints never see the same day twice."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = sorted(d for d in set(days) if d < today)
    if not days:
        return 0
    Company.objects.select_for_update().filter(pk=company.pk).first()
    FigureDay.objects.filter(company=company, day__in=days).delete()
    FigureRollup.objects.filter(company=company, day__in=days).delete()
    wanted = set(days)
    rows = []
    for first, last in day_runs(days[0], days[-1], skip=set(_gaps(days))):
        end = _day_start(last + datetime.timedelta(days=1))
        rows += _sum_days(company, first, last, end=end, now=now, wanted=wanted)
    FigureDay.objects.bulk_create(rows, batch_size=2000)
    FigureRollup.objects.bulk_create([FigureRollup(company=company, day=d, computed_at=now) for d in days])
    # The finished periods holding these days: their times' median and p90, which do not add up.
    spreads.store(company, days, now=now)
    # The running periods' finished days: their times, which today's are merged with (``samples``).
    samples.keep(company, now=now)
    # The finished periods' rows kept whole in the shared cache are built from what was replaced.
    forget_shared_cached(figure_table.KEPT_ROWS, company.pk)
    return len(rows)


def _sum_days(company: Company, first: datetime.date, last: datetime.date, *, end, now, wanted) -> list:
    """The ``FigureDay`` rows of the days ``wanted`` in [first, last], summed up to ``end``."""
    rows = []
    for dimension in DIMENSIONS:
        sums = aggregate(
            Ticket.objects.filter(company=company),
            TicketDeadline.objects.filter(company=company),
            FollowUpCall.objects.filter(company=company),
            TicketRework.objects.filter(company=company),
            group_by=dimension,
            trunc=TruncDay,
            start=_day_start(first),
            end=end,
            by_project=True,
            now=now,
        )
        for (period, key, project_id), measures in sums.items():
            day = figure_table._period_key(period)
            if day not in wanted:
                continue
            rows.append(
                FigureDay(
                    company=company,
                    project_id=project_id,
                    day=day,
                    dimension=dimension,
                    key="" if key is None else str(key),
                    **measures,
                )
            )
    return rows


@transaction.atomic
def rollup_today(company: Company, *, now=None) -> int:
    """Sum today up to ``now`` (``FigureRollup.through``): the figures add what happened since,
    live, instead of reading the whole day live on every call. Replaces the previous run's part;
    under the same lock as ``rollup``. Returns the rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    Company.objects.select_for_update().filter(pk=company.pk).first()
    FigureDay.objects.filter(company=company, day=today).delete()
    FigureRollup.objects.filter(company=company, day=today).delete()
    rows = _sum_days(company, today, today, end=now, now=now, wanted={today})
    FigureDay.objects.bulk_create(rows, batch_size=2000)
    FigureRollup.objects.create(company=company, day=today, computed_at=now, through=now)
    # Copies of the days' sums read before this run (``figure_table._summed_days``) are stale.
    forget_shared_cached(figure_table.KEPT_ROWS, company.pk)
    return len(rows)


def _gaps(days: list[datetime.date]):
    """The days between the first and last of ``days`` that are not asked for."""
    asked = set(days)
    day = days[0]
    while day < days[-1]:
        if day not in asked:
            yield day
        day += datetime.timedelta(days=1)


def rollup_recent(*, days: int = ROLLUP_DAYS, now=None) -> dict[str, int]:
    """Re-sum the last ``days`` finished days of every company (the periodic job)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    wanted = [today - datetime.timedelta(days=n) for n in range(1, days + 1)]
    return {
        company.short_code: rollup(company, wanted, now=now) + rollup_today(company, now=now)
        for company in Company.objects.order_by("id")
    }
