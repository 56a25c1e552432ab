"""Households (occupied units) a figure divides by: complaints per 1,000 households.

A row of the figures covers a period (day, week, month, quarter) and a group. Its households are the
units occupied on the row's last day — the period's last day, or the range's last day or today if
that comes first — read from the occupancy history (``estates.selectors.households_on_days``), not
from today's occupancy: a past month divides by that month's households.

- by project: the units occupied in that project;
- by person: in the projects the person serves (their share of the estate, not the company's);
- by department or category (they span every project): in every project the user may see.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from guanjia.estates.selectors import households_on_days
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
    project the user sees. One query (a person's projects), plus one read of the shared cache."""
    today = timezone.localdate()
    last_days: dict[datetime.date, datetime.date] = {}

    def last_day(period: datetime.date) -> datetime.date:
        # Asked for every row; a table has a handful of periods.
        day = last_days.get(period)
        if day is None:
            day = last_days[period] = min(period_last_day(period_kind, period), end, today)
        return day

    # Counted for the projects the user sees: another project's units never count.
    counts = households_on_days(user, sorted({last_day(period) for period, _key in rows}))
    serves: dict[int, list[int]] = defaultdict(list)
    if group_by == "person":
        ids = {k for _p, k in rows if k is not None}
        if ids:
            for staff_id, project_id in StaffMember.projects.through.objects.filter(
                staffmember_id__in=ids
            ).values_list("staffmember_id", "project_id"):
                serves[staff_id].append(project_id)

    def homes(period: datetime.date, key) -> int:
        on_day = counts[last_day(period)]
        if group_by == "project":
            return on_day.get(key, 0)
        if group_by == "person":
            return sum(on_day.get(p, 0) for p in serves.get(key, ()))
        return sum(on_day.values())

    return homes
