"""The figures page and its API: one table of measures grouped by period and by project, category,
department or person, from the daily roll-up for finished days and today up to the job's last run,
live for the rest (docs/figures.md).
A fixed number of grouped queries, whatever the number of groups."""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models.functions import TruncDay, TruncMonth, TruncQuarter, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guanjia.boards import clocks, households, rollup, samples, spreads, sums
from guanjia.boards.measures import (
    _day_start,
    _mean,
    _rate,
    _satisfaction,
    _stages,
    local_tz,
)
from guanjia.boards.models import MEASURES, TIMED_STAGES
from guanjia.core.cache import shared_cached_parts
from guanjia.core.dates import FIRST_DAY, date_range
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.estates.models import Project
from guanjia.sla.models import TicketDeadline
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.tickets.models import FollowUpCall, Ticket, TicketCategory, TicketRework

GROUPS = {
    "project": gettext_lazy("项目"),
    "department": gettext_lazy("部门"),
    "category": gettext_lazy("类别"),
    "person": gettext_lazy("处理人"),
}
PERIODS = {
    "day": (TruncDay, gettext_lazy("日")),
    "week": (TruncWeek, gettext_lazy("周")),
    "month": (TruncMonth, gettext_lazy("月")),
    "quarter": (TruncQuarter, gettext_lazy("季度")),
}
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class FigureParams:
    group_by: str
    period: str
    start: datetime.date
    end: datetime.date

    def as_query(self) -> dict:
        return {
            "group_by": self.group_by,
            "period": self.period,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
        }


def figure_params(
    *, group_by=None, period=None, start=None, end=None, today: datetime.date | None = None
) -> FigureParams:
    """Check the figures' parameters; bad input is a ValidationError naming the field."""
    today = today or timezone.localdate()
    errors = {}
    group_by = group_by or "project"
    period = period or "month"
    if group_by not in GROUPS:
        errors["group_by"] = _("分组方式须为 %(choices)s 之一") % {"choices": ", ".join(GROUPS)}
    if period not in PERIODS:
        errors["period"] = _("统计周期须为 %(choices)s 之一") % {"choices": ", ".join(PERIODS)}
    given_start = start not in (None, "")
    start, end = date_range(
        start, end, today=today, default_days=DEFAULT_DAYS, max_days=MAX_DAYS, errors=errors
    )
    if not given_start:
        # The default range begins with a whole period: a monthly table's first row is a whole
        # month, not its last days, and finished periods are read kept (``spreads``).
        start = max(spreads.period_first(period, start), FIRST_DAY)
    return FigureParams(group_by, period, start, end)


def _period_key(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(local_tz())
        return value.date()
    return value


# Above this many keys the names are read for every row the user sees and picked here: Django
# prepares each id of an ``IN`` list one by one (2 ms for a company's 200 projects).
_LABELS_BY_ID = 50


def _labels(user, group_by: str, keys: set) -> dict:
    """Names for the group keys: one query (none for departments)."""
    ids = [k for k in keys if k is not None]
    if group_by == "department":
        return {k: str(Department(k).label) if k in Department.values else k for k in ids}
    if not ids:
        return {}
    model = {"project": Project, "category": TicketCategory}.get(group_by, StaffMember)
    rows = model.objects.visible_to(user)
    if len(ids) <= _LABELS_BY_ID:
        return dict(rows.filter(id__in=ids).values_list("id", "name"))
    wanted = set(ids)
    return {pk: name for pk, name in rows.values_list("id", "name") if pk in wanted}


_NONE_LABEL = {
    "project": gettext_lazy("（无）"),
    "department": gettext_lazy("未指派"),
    "category": gettext_lazy("未分类"),
    "person": gettext_lazy("未指派"),
}


_NO_MEASURES = dict.fromkeys(MEASURES, 0)


def figures(user, params: FigureParams) -> dict:
    """The figures table: one row per period and group.

    - on-time rate per stage: clocks met in the period / clocks judged (met in the period, or ran
      out of time in it — done late, still running late); clocks stopped with time left by a
      cancellation are counted apart (``boards.clocks``, docs/figures.md "Request clocks");
    - follow-up rate, rework rate: of requests completed in the period;
    - follow-up calls: every call made in the period (satisfied or not) and its score, credited to
      the handler of the round it judged; rework: rounds sent back in the period, likewise;
    - rating: resident rating of requests completed in the period;
    - complaints received in the period: by their handler (负责投诉) and by the person named
      (被投诉(指名)); per 1,000 households occupied on the row's last day (``households``);
    - minutes to respond, arrive and complete (mean, median, 90th percentile): the first round,
      from receipt, hold excluded, of the stages done in the period.

    A request's person and department are its handler's: the assignee, else whoever completed it.
    docs/figures.md says what each counts and what not.

    Whole finished weeks, months and quarters whose days are all rolled up are read from their kept
    sums (``FigurePeriod``, one row per group); other days the roll-up job has summed (``FigureDay``)
    are read from it, one grouped query, today's up to the job's last run (``rollup.rollup_today``)
    with them; the rest is aggregated live (``aggregate``: seven or eight grouped queries per run
    of consecutive days, and per part of a day since the job's run). Both give the same sums
    (``boards/tests/test_rollup.py``). The times' median and 90th percentile are not additive: the
    job keeps them per finished period (``spreads``) and the running one's times up to its run
    (``samples``: those done since are read live and taken with them), and one more query reads the rest
    of the range live (the partial periods at its edges). For someone who sees the whole company,
    what comes only from the job — the rows of the whole kept periods (``_kept_rows``), the other
    days' sums (``_summed_days``), the running period's kept times — is read once per run of the
    job and then whole (``whole_company_copy``): the same numbers, without rebuilding hundreds of
    rows on every call.
    """
    require(user, Perm.VIEW_ESTATES)
    trunc, _label = PERIODS[params.period]
    rows: dict[tuple, dict] = {}

    def add(period, key, measures: dict) -> None:
        k = (_period_key(period), key)
        target = rows.get(k)
        if target is None:  # most rows come whole from one source (a kept period): copied at once
            rows[k] = {**_NO_MEASURES, **{name: value or 0 for name, value in measures.items()}}
            return
        for name, value in measures.items():
            target[name] += value or 0

    today = timezone.localdate()
    stages = _stages()
    rolled, partial, summed_at, kept = _done_by_the_job(user, params, today)
    # Whole finished periods kept by the job: their rows whole, from the shared cache when it may
    # serve this user (``_kept_rows``); the rest of the table is built below, as before.
    table, kept_whole = _kept_rows(user, params, kept, stages, today)  # (period, key, row) triples
    summed_days = spreads.days_of(params.period, kept)
    for (period, key), measures in spreads.stored_sums(
        user, params.group_by, params.period, set(kept) - kept_whole
    ).items():
        add(period, key, measures)
    if (rolled - summed_days) or partial:
        for (period, key), measures in _summed_days(
            user, params, (rolled - summed_days) | set(partial), summed_at
        ).items():
            add(period, key, measures)
    # Live: the days never summed, and what happened since the job summed today (``partial``).
    live_runs = [
        (_day_start(first), _day_start(last + datetime.timedelta(days=1)))
        for first, last in rollup.day_runs(params.start, params.end, skip=rolled | set(partial))
    ]
    live_runs += [(through, _day_start(day + datetime.timedelta(days=1))) for day, through in partial.items()]
    for start, end in live_runs:
        live = sums.aggregate(
            Ticket.objects.visible_to(user),
            TicketDeadline.objects.visible_to(user),
            FollowUpCall.objects.visible_to(user),
            TicketRework.objects.visible_to(user),
            group_by=params.group_by,
            trunc=trunc,
            start=start,
            end=end,
            prepared=scope_for(user),
        )
        for (period, key), measures in live.items():
            add(period, key, measures)
    # The times' median and p90: kept for whole finished periods (``spreads``), live for the rest.
    spread, kept_days = spreads.stored(
        user,
        params.group_by,
        params.period,
        params.start,
        params.end,
        today,
        rolled=rolled,
        skip=kept_whole,
    )
    kept_days |= spreads.days_of(params.period, kept_whole)
    # The running period: its times kept by the job up to its run, those since read live (``samples``).
    running, running_days = samples.read(
        user, params.group_by, params.period, params.start, params.end, today
    )
    spread.update(running)
    for first, last in rollup.day_runs(params.start, params.end, skip=kept_days | running_days):
        for (period, key), stages_times in clocks.time_percentiles(
            TicketDeadline.objects.visible_to(user),
            trunc=trunc,
            tz=local_tz(),
            group=sums.deadline_group(params.group_by),
            start=_day_start(first),
            end=_day_start(last + datetime.timedelta(days=1)),
        ).items():
            spread[(_period_key(period), key)] = stages_times
    table.extend(
        (period, key, _built_row(period, key, r, spread.get((period, key), {}), stages))
        for (period, key), r in rows.items()
    )

    # Names and households are read fresh for every table (a project renamed, a move-in entered late).
    labels = _labels(user, params.group_by, {key for _period, key, _r in table})
    homes_of = households.for_rows(
        user, params.group_by, params.period, params.end, {(period, key) for period, key, _r in table}
    )
    none_label = str(_NONE_LABEL[params.group_by])
    out_rows = []
    for period, key, row in sorted(table, key=lambda t: (t[0], str(labels.get(t[1], "")))):
        homes = homes_of(period, key)
        # A copy: the kept rows are shared by this process's calls (``_kept_rows``). The keys
        # keep their places (FigureRow's order).
        out_rows.append(
            {
                **row,
                "label": none_label if key is None else str(labels.get(key, key)),
                "households": homes,
                "complaints_per_1000": households.per_1000(row["complaints"], homes),
                "complaints_named_per_1000": households.per_1000(row["complaints_named"], homes),
            }
        )
    return {
        "group_by": params.group_by,
        "period": params.period,
        "from": params.start,
        "to": params.end,
        "rows": out_rows,
    }


# The shared cache's kind for whole finished periods' rows; the roll-up drops it (``rollup.rollup``).
KEPT_ROWS = "figure_rows"


def _kept_rows(
    user, params: FigureParams, kept: dict, stages, today: datetime.date
) -> tuple[list[tuple], frozenset]:
    """The rows of the whole finished periods ``kept`` (first day → when the job computed it), and
    which periods they are, for someone who sees the whole company: the same for everyone who does,
    so each period's rows are built once from what the job kept and then read whole from the shared
    cache, under the period, the grouping, the language (the stages' labels) and the job's stamp;
    the roll-up drops them all when it runs. Anyone else gets none here (``figures`` builds every
    row; their sums are their projects' only). Labels and households are not part of what is kept."""
    scope = scope_for(user)
    if not kept or not sees_whole_company(scope):
        return [], frozenset()
    language = get_language() or ""
    parts = {
        f"{params.group_by}:{params.period}:{first.isoformat()}:{stamp.isoformat()}:{language}": first
        for first, stamp in kept.items()
    }

    def build(missing: list[str]) -> dict[str, list]:
        firsts = {parts[part] for part in missing}
        sums = spreads.stored_sums(user, params.group_by, params.period, firsts)
        spread, _days = spreads.stored(
            user,
            params.group_by,
            params.period,
            params.start,
            params.end,
            today,
            rolled=spreads.days_of(params.period, firsts),
            skip=frozenset(set(kept) - firsts),
        )
        by_period: dict[datetime.date, list] = {first: [] for first in firsts}
        for (period, key), r in sums.items():
            measures = {**_NO_MEASURES, **{name: value or 0 for name, value in r.items()}}
            row = _row(period, key, measures, spread.get((period, key), {}), stages)
            by_period[period].append((key, row))
        return {part: by_period[parts[part]] for part in missing}

    found = shared_cached_parts(KEPT_ROWS, scope.company_id, parts, build, in_process=True)
    table = [(parts[part], key, row) for part, rows in found.items() for key, row in rows]
    return table, frozenset(kept)


def _summed_days(user, params: FigureParams, days: set[datetime.date], summed_at) -> dict[tuple, dict]:
    """The job's sums of ``days`` by period and key (``rollup.read``): the running period's
    finished days and today's part. For someone who sees the whole company they are the same for
    everyone who does until the job runs again, so they are read once and then from the shared
    cache, under the days, the grouping and period, and when the latest of them was summed; the
    job's runs also drop them (``rollup.rollup``, ``rollup.rollup_today``)."""
    trunc, _label = PERIODS[params.period]
    if summed_at is None:
        return rollup.read(user, params.group_by, trunc, days)
    listed = ",".join(day.isoformat() for day in sorted(days))
    digest = hashlib.blake2b(listed.encode(), digest_size=8).hexdigest()
    part = f"days:{params.group_by}:{params.period}:{digest}:{summed_at.isoformat()}"
    return whole_company_copy(user, part, lambda: rollup.read(user, params.group_by, trunc, days))


def _done_by_the_job(user, params: FigureParams, today: datetime.date) -> tuple:
    """What the job has done for this range (two queries): the days it summed whole, those it
    summed up to a moment and when (``rollup.rolled_days``), and the whole periods whose sums it
    kept (``spreads.kept_sum_periods``). It changes only when the job runs, which drops every copy
    of the kind: for someone who sees the whole company, read once per run."""
    company_id = scope_for(user).company_id

    def read():
        rolled, partial, summed_at = rollup.rolled_days(company_id, params.start, params.end)
        kept = spreads.kept_sum_periods(user, params.period, params.start, params.end, today, rolled=rolled)
        return rolled, partial, summed_at, kept

    part = f"done:{params.period}:{params.start.isoformat()}:{params.end.isoformat()}:{today.isoformat()}"
    return whole_company_copy(user, part, read)


def sees_whole_company(scope) -> bool:
    """Whether what the job kept, read through this scope, is the whole company's — the same for
    everyone it is true of (an external auditor's scope is checked per row)."""
    return scope.is_hq and not scope.is_external_auditor


T = TypeVar("T")


def whole_company_copy(user, part: str, compute: Callable[[], T]) -> T:
    """``compute()``, which reads only what the job keeps: for someone who sees the whole company
    (``sees_whole_company``), read once and then kept under ``part`` of ``KEPT_ROWS`` — in the
    shared cache, and in the process under its version — until the job's next run drops the kind
    (``rollup.rollup``, ``rollup.rollup_today``). The value is shared: callers must not change it."""
    scope = scope_for(user)
    if not sees_whole_company(scope):
        return compute()
    return shared_cached_parts(
        KEPT_ROWS, scope.company_id, [part], lambda _missing: {part: compute()}, in_process=True
    )[part]


def _built_row(period, key, r: dict, spread: dict, stages) -> dict:
    """``_row``, or the row this process built for the same numbers (``_row_for``)."""
    return _row_for(period, key, stages, tuple(r.items()), tuple(spread.items()))


# Between two runs of the job most groups' live part does not change from one call to the next, and
# building a row (a dozen dicts) cost more than the rest of the running period's work. Keyed by
# everything the row is made of, so a row is only reused for the same numbers. The rows are shared
# by the calls, like the kept rows (``_kept_rows``): callers must not change them.
@functools.lru_cache(maxsize=2048)
def _row_for(period, key, stages, sums: tuple, spread: tuple) -> dict:
    return _row(period, key, dict(sums), dict(spread), stages)


@functools.lru_cache(maxsize=32)
def _stage_names(stage: str) -> tuple[str, str, str, str, str]:
    """A stage's measure names (done, on time, stopped, timed count, timed seconds): formatted once,
    not for each of the table's hundreds of rows."""
    return (
        f"{stage}_done",
        f"{stage}_on_time",
        f"{stage}_stopped",
        f"{stage}_time_n",
        f"{stage}_time_seconds",
    )


def _row(period, key, r: dict, spread: dict, stages) -> dict:
    """One row of the table from its sums and its times' spread. Its label and households are
    filled in by ``figures`` (they are read fresh for every table, kept rows included)."""
    on_time = []
    for stage, label in stages:
        done, met, stopped, _n, _seconds = _stage_names(stage)
        done, met = r[done], r[met]
        on_time.append(
            {
                "stage": stage,
                "label": label,
                "done": done,
                "on_time": met,
                "missed": done - met,
                "stopped": r[stopped],
                "rate": _rate(met, done),
            }
        )
    completed, calls, satisfied = r["completed"], r["follow_up_calls"], r["follow_up_satisfied"]
    # Keys in FigureRow's order: the API writes this dict as it is (core.api.json_answer).
    return {
        "period": period,
        "key": None if key is None else str(key),
        "label": "",
        "completed": completed,
        "on_time": on_time,
        "follow_up_rate": _rate(r["followed_up"], completed),
        "follow_up_calls": calls,
        "follow_up_satisfied": satisfied,
        "follow_up_satisfied_rate": _rate(satisfied, calls),
        "follow_up_score": _satisfaction(r, "follow_up_score"),
        "rating": _satisfaction(r, "rating"),
        "rework": r["rework"],
        "rework_rate": _rate(r["reworked"], completed),
        "complaints": r["complaints"],
        "complaints_named": r["complaints_named"],
        "households": 0,
        "complaints_per_1000": None,
        "complaints_named_per_1000": None,
        "times": _times(r, spread, stages),
        "response_minutes": _mean(r["response_time_seconds"] / 60, r["response_time_n"], 1),
        "arrive_minutes": _mean(r["on_site_time_seconds"] / 60, r["on_site_time_n"], 1),
        "complete_minutes": _mean(r["complete_time_seconds"] / 60, r["complete_time_n"], 1),
    }


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _times(r: dict, spread: dict, stages) -> list[dict]:
    """The first round's times per timed stage: count, mean, median, 90th percentile (minutes)."""
    out = []
    for stage, label in stages:
        if stage not in TIMED_STAGES:
            continue
        _done, _met, _stopped, count, seconds = _stage_names(stage)
        n = r[count]
        median, p90 = spread.get(stage, (None, None))
        out.append(
            {
                "stage": stage,
                "label": label,
                "count": n,
                "mean": _mean(r[seconds] / 60, n, 1),
                "median": _minutes(median),
                "p90": _minutes(p90),
            }
        )
    return out
