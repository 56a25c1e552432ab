"""Households (occupied units) a figure divides by: complaints per 1,000 households.

A row of the figures covers a period (day, week, month, quarter) and a group. Its households are the
units occupied on the row's last day — the period's last day, or the range's last day or today if
that comes first — read from the occupancy history (``estates.selectors.occupied_spans``), not
from today's occupancy: a past month divides by that month's households.

- by project: the units occupied in that project;
- by person: in the projects the person serves (their share of the estate, not the company's);
- by department or category (they span every project): in every project the user may see.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict

from django.utils import timezone

from guanjia.estates.selectors import occupied_spans
from guanjia.staff.models import StaffMember


def per_1000(count: int, homes: int) -> float | None:
    return round(count * 1000 / homes, 2) if homes else None


_PERIOD_MONTHS = {"month": 1, "quarter": 3}


def period_last_day(period: str, first: datetime.date) -> datetime.date:
    if period == "day":
        return first
    if period == "week":
        return first + datetime.timedelta(days=6)
    months = first.month - 1 + _PERIOD_MONTHS[period]
    following = datetime.date(first.year + months // 12, months % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def for_rows(user, group_by: str, period_kind: str, end: datetime.date, rows: dict):
    """The households (occupied units) a row divides its complaints by: on the row's last day —
    the period's last day, or the range's last day or today if earlier — the units occupied in the
    row's project; for a person, in the projects they serve; for a department or category, in every
    project the user sees. One query (a person's projects), plus the cached occupancy spans."""
    spans = occupied_spans(user)
    today = timezone.localdate()
    serves: dict[int, list[int]] = defaultdict(list)
    if group_by == "person":
        ids = {k for _p, k in rows if k is not None}
        if ids:
            for staff_id, project_id in StaffMember.projects.through.objects.filter(
                staffmember_id__in=ids, project_id__in=list(spans)
            ).values_list("staffmember_id", "project_id"):
                serves[staff_id].append(project_id)

    @functools.cache
    def on(day: datetime.date) -> dict[int, int]:
        return {p: s.on(day) for p, s in spans.items()}

    def homes(period: datetime.date, key) -> int:
        day = min(period_last_day(period_kind, period), end, today)
        counts = on(day)
        if group_by == "project":
            return counts.get(key, 0)
        if group_by == "person":
            return sum(counts.get(p, 0) for p in serves.get(key, ()))
        return sum(counts.values())

    return homes
