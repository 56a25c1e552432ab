"""Quiet hours (免打扰时段): when residents are not disturbed by non-urgent messages and calls.

A window is a pair of wall-clock times ``("HH:MM", "HH:MM")`` in Asia/Shanghai, start included,
end excluded; a window whose start is after its end crosses midnight (``("21:00", "08:00")``).
``next_allowed_time`` is pure: the same moment and windows always give the same answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.conf import settings

TZ = ZoneInfo("Asia/Shanghai")

# None before 08:00 or after 21:00, none at lunch (11:30–13:30) or dinner (17:30–19:00).
DEFAULT_QUIET_HOURS: tuple[tuple[str, str], ...] = (
    ("21:00", "08:00"),
    ("11:30", "13:30"),
    ("17:30", "19:00"),
)

Window = tuple[datetime.time, datetime.time]


def _parse_time(text: str) -> datetime.time:
    hours, minutes = str(text).split(":")
    return datetime.time(int(hours), int(minutes))


def parse_windows(raw: Iterable[Sequence[str]]) -> list[Window]:
    """``[("21:00", "08:00"), ...]`` → time pairs; a window whose start equals its end is empty."""
    windows = []
    for start, end in raw:
        window = (_parse_time(start), _parse_time(end))
        if window[0] != window[1]:
            windows.append(window)
    return windows


def quiet_windows(company=None) -> list[Window]:
    """The quiet hours in force: ``settings.GUANJIA_QUIET_HOURS`` or the defaults.

    ``company`` is accepted so a per-company setting can be added without changing the callers.
    """
    return parse_windows(getattr(settings, "GUANJIA_QUIET_HOURS", DEFAULT_QUIET_HOURS))


def _window_end_after(local: datetime.datetime, window: Window) -> datetime.datetime | None:
    """If ``local`` lies inside ``window``, the (local) moment the window ends; else None."""
    start, end = window
    clock = local.time().replace(tzinfo=None)
    day = local.date()
    if start < end:
        inside = start <= clock < end
        end_day = day
    else:  # across midnight: [start, 24:00) ∪ [00:00, end)
        inside = clock >= start or clock < end
        end_day = day + datetime.timedelta(days=1) if clock >= start else day
    if not inside:
        return None
    return datetime.datetime.combine(end_day, end, tzinfo=local.tzinfo)


def in_quiet_hours(moment: datetime.datetime, windows: Sequence[Window]) -> bool:
    local = moment.astimezone(TZ)
    return any(_window_end_after(local, w) is not None for w in windows)


def next_allowed_time(moment: datetime.datetime, windows: Sequence[Window]) -> datetime.datetime:
    """The first moment at or after ``moment`` that is in no quiet window (``moment`` itself if allowed).

    Overlapping and adjoining windows are crossed one after another. Raises ``ValueError`` if the
    windows leave no time of day free. The result is in Asia/Shanghai.
    """
    if moment.tzinfo is None:
        raise ValueError("next_allowed_time needs an aware datetime")
    local = moment.astimezone(TZ)
    for _step in range(2 * len(windows) + 2):
        ends = [e for w in windows if (e := _window_end_after(local, w)) is not None]
        if not ends:
            return local
        local = max(ends)
    raise ValueError("quiet hours leave no time of day free")
