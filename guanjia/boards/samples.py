"""The running period's times: kept up to the roll-up job's last run, those done since read live
(``FigureSample``).

A period's median and 90th percentile do not add up from daily sums. Finished periods keep theirs
(``spreads``); the period still running — today, this week, month, quarter — was sorted from every
clock of its days on each figures call, a cost growing with each day of the period (at 2,000,000
requests, a quarter's 66 days took 458 ms a call). The roll-up job (every 10 minutes,
``rollup.rollup``) now also keeps, per kind of period, grouping, key and timed stage, the sorted
first-round times of the running period's clocks done up to its run — today's so far included: a
large company's evening holds thousands of them, which every call read live before. A figures call
reads them, adds the few done since the run, read live, and takes the percentiles of all of them
(``clocks.percentile``: PostgreSQL's ``PERCENTILE_CONT``) — the same numbers as sorting the whole
period live (``boards/tests/test_samples.py``).

Scoped like the spreads: grouped by project, a row is one project's and is read by whoever sees
that project; grouped otherwise, a row is over the whole company and is read only by those who see
the whole company — others get their projects' times live.
"""

from __future__ import annotations

import datetime
from array import array
from collections import defaultdict

from django.utils import timezone

# Two halves of one figure, as ``spreads``: the table reads from here, and this module keeps the
# times with the table's group keys.
from guanjia.boards import clocks, figure_table, rollup, spreads, sums
from guanjia.boards.households import period_last_day
from guanjia.boards.measures import _day_start, local_tz
from guanjia.boards.models import TIMED_STAGES, FigureSample, FigureSampleSet
from guanjia.core.scoping import scope_for
from guanjia.sla.models import TicketDeadline

ONE_DAY = datetime.timedelta(days=1)
KINDS = ("day", "week", "month", "quarter")
_OTHER_GROUPINGS = ("department", "category", "person")


def _packed(values: list[float]) -> bytes:
    return array("d", sorted(values)).tobytes()


def _sorted(blob) -> array:
    """The kept times as they were packed: sorted."""
    values = array("d")
    values.frombytes(blob)
    return values


def keep(company, *, now=None) -> int:
    """Keep the sorted first-round times of the clocks of each kind's running period done up to
    ``now``, for one company, replacing what was kept; returns the rows written. One read of the
    clocks since the earliest running period began. Called by the roll-up, in its transaction and
    under its lock on the company."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    FigureSample.objects.filter(company=company).delete()
    FigureSampleSet.objects.filter(company=company).delete()
    firsts = {kind: spreads.period_first(kind, today) for kind in KINDS}
    tz = local_tz()
    times: dict[tuple, list[float]] = defaultdict(list)
    rows = (
        TicketDeadline.objects.filter(company=company)
        .first_round_done(_day_start(min(firsts.values())), now, TIMED_STAGES)
        .annotate(**{f"g_{name}": sums.deadline_group(name) for name in _OTHER_GROUPINGS})
        .order_by()
        .values_list(
            "done_at",
            "started_at",
            "paused_seconds",
            "stage",
            "project_id",
            *(f"g_{n}" for n in _OTHER_GROUPINGS),
        )
    )
    for done_at, started_at, paused, stage, project_id, *others in rows.iterator(chunk_size=5000):
        day = done_at.astimezone(tz).date()
        seconds = clocks.held_seconds(done_at - started_at, paused)
        keys = (("project", project_id), *zip(_OTHER_GROUPINGS, others, strict=True))
        for kind, first in firsts.items():
            if day >= first:
                for dimension, key in keys:
                    times[(kind, dimension, key, stage)].append(seconds)
    sets = {
        kind: FigureSampleSet.objects.create(
            company=company, period=kind, period_start=first, until=now, computed_at=now
        )
        for kind, first in firsts.items()
    }
    FigureSample.objects.bulk_create(
        [
            FigureSample(
                sample_set=sets[kind],
                company=company,
                project_id=key if dimension == "project" else None,
                dimension=dimension,
                key="" if key is None else str(key),
                stage=stage,
                seconds=_packed(values),
            )
            for (kind, dimension, key, stage), values in times.items()
        ],
        batch_size=1000,
    )
    return len(times)


_NONE = array("d")


def _kept_times(user, group_by: str, period: str, first: datetime.date):
    """The running period's kept times the user may see: (the moment they hold clocks up to,
    {(group key, stage): sorted times}, {(group key, stage): their (median, p90)}), or None when
    none are kept. One query; for someone who sees the whole company, read once per run of the job
    and then kept (``figure_table.whole_company_copy``): a key with nothing done since the run — most
    of them — then costs a call nothing."""
    scope = scope_for(user)

    def read():
        # The kept times with their set's moment, in one statement: the job may replace both meanwhile.
        rows = list(
            FigureSample.objects.visible_to(user)
            .filter(
                sample_set__company_id=scope.company_id,
                sample_set__period=period,
                sample_set__period_start=first,
                dimension=group_by,
            )
            .values_list("sample_set__until", "key", "stage", "seconds")
        )
        if not rows:
            return None
        times = {(rollup._key(group_by, key), stage): _sorted(blob) for _t, key, stage, blob in rows}
        spread = {
            kept: tuple(clocks.percentile_with(values, [], f) for f in clocks.PERCENTILES)
            for kept, values in times.items()
        }
        return rows[0][0], times, spread

    # The part's name changes with the value's shape: a copy kept by older code is never read as new.
    return figure_table.whole_company_copy(user, f"kept-times:{group_by}:{period}:{first.isoformat()}", read)


def read(user, group_by: str, period: str, start, end, today) -> tuple[dict, set]:
    """The running period's (median, p90) seconds per (period's first day, group key) and stage —
    its kept times with those done since the job's run, read live — and the days it covers.

    Two queries (the kept times — for someone who sees the whole company, from the cache:
    ``_kept_times`` —, those since); none when the range does not hold the running period from
    its first day through today (the kept times reach into today), or the rows would not be the
    user's (a grouping over the company for someone who sees only some projects)."""
    scope = scope_for(user)
    if scope.company_id is None or not (group_by == "project" or scope.is_hq):
        return {}, set()
    first = spreads.period_first(period, today)
    # Through the range's end within the period: no clock is done after today, and reading the days
    # to come in the same query spares the table a live query for them.
    last = min(end, period_last_day(period, first))
    if first < start or last < first:
        return {}, set()
    kept = _kept_times(user, group_by, period, first)
    # None kept (no clock was done in the period so far, or none the user may see): all read live.
    # Kept up to a moment after the range's end (a range ending before today): likewise.
    if kept is None or (until := kept[0]) > _day_start(last + ONE_DAY):
        return {}, set()
    kept_times, kept_spread = kept[1], kept[2]
    since: dict[tuple, list[float]] = defaultdict(list)
    for key, stage, seconds in clocks.first_round_times(
        TicketDeadline.objects.visible_to(user),
        group=sums.deadline_group(group_by),
        start=until,
        end=_day_start(last + ONE_DAY),
    ):
        since[(key, stage)].append(seconds)
    out: dict[tuple, dict[str, tuple]] = {}
    for (key, stage), spread in kept_spread.items():
        out.setdefault((first, key), {})[stage] = spread
    for (key, stage), extra in since.items():
        values, extra = kept_times.get((key, stage), _NONE), sorted(extra)
        out.setdefault((first, key), {})[stage] = tuple(
            clocks.percentile_with(values, extra, f) for f in clocks.PERCENTILES
        )
    return out, {first + ONE_DAY * n for n in range((last - first).days + 1)}
