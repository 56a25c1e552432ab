"""Calendar arithmetic: when does a clock of N minutes that starts at a given moment run out?

``ALWAYS`` calendars count every minute. ``BUSINESS`` calendars count only the minutes between
``work_starts`` and ``work_ends`` (Asia/Shanghai wall-clock time) on working days: a weekday listed
in ``workdays``, unless a ``CalendarDay`` row says the date is a holiday, plus the make-up working
days (调休) that ``CalendarDay`` rows list. Moments are aware datetimes; the result is in UTC.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from guanjia.sla.choices import CalendarKind

LOCAL = ZoneInfo("Asia/Shanghai")
# A calendar without a single working day in ten years is a configuration error, not a deadline.
MAX_DAYS = 3660


def calendar_days(calendar) -> dict[datetime.date, bool]:
    """The calendar's exceptions, date → is a working day, read in one query."""
    if calendar is None or calendar.pk is None:
        return {}
    return dict(calendar.days.values_list("date", "is_working"))


def _time(value) -> datetime.time:
    # A freshly created calendar may still hold its defaults as text ("08:30").
    return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(str(value))


def is_working_day(calendar, day: datetime.date, days: dict[datetime.date, bool]) -> bool:
    if day in days:
        return days[day]
    return str(day.weekday()) in (calendar.workdays or "")


def add_working_time(
    calendar, start: datetime.datetime, minutes: int, *, days: dict[datetime.date, bool] | None = None
) -> datetime.datetime:
    """The moment ``minutes`` of the calendar's working time after ``start``.

    ``days`` is the calendar's exceptions (``calendar_days``) when the caller already has them; without
    it they are read once. A result on a business calendar is always inside working time, or exactly
    at the end of a working day (the last minute of the allowed time is that day's last minute).
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    remaining = datetime.timedelta(minutes=minutes)
    utc = datetime.UTC
    if calendar is None or calendar.kind == CalendarKind.ALWAYS or remaining <= datetime.timedelta(0):
        return (start + remaining).astimezone(utc)
    if days is None:
        days = calendar_days(calendar)
    work_starts, work_ends = _time(calendar.work_starts), _time(calendar.work_ends)
    local = start.astimezone(LOCAL)
    cursor = local
    day = local.date()
    for _index in range(MAX_DAYS):
        if is_working_day(calendar, day, days):
            opens = datetime.datetime.combine(day, work_starts, tzinfo=LOCAL)
            closes = datetime.datetime.combine(day, work_ends, tzinfo=LOCAL)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(utc)
                remaining -= available
        day += datetime.timedelta(days=1)
        cursor = datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL)
    raise ValueError(f"calendar {calendar} has no working time within {MAX_DAYS} days")
