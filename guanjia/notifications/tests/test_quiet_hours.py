"""next_allowed_time: the first moment outside every quiet window, never earlier than asked."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanjia.notifications.quiet_hours import (
    DEFAULT_QUIET_HOURS,
    TZ,
    in_quiet_hours,
    next_allowed_time,
    parse_windows,
)

DEFAULT = parse_windows(DEFAULT_QUIET_HOURS)


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-25T22:00", "2026-11-26T08:00"),  # evening → next morning
        ("2026-11-25T21:00", "2026-11-26T08:00"),  # the start of a window is quiet
        ("2026-11-26T02:30", "2026-11-26T08:00"),  # after midnight → the same morning
        ("2026-11-26T08:00", "2026-11-26T08:00"),  # the end of a window is allowed
        ("2026-11-26T12:00", "2026-11-26T13:30"),  # lunch
        ("2026-11-26T17:30", "2026-11-26T19:00"),  # dinner
        ("2026-11-26T11:29", "2026-11-26T11:29"),  # allowed: unchanged
        ("2026-12-31T23:59", "2027-01-01T08:00"),  # across the year
    ],
)
def test_default_quiet_hours(moment, expected):
    assert next_allowed_time(at(moment), DEFAULT) == at(expected)


def test_adjoining_windows_are_crossed_one_after_another():
    windows = parse_windows([("21:00", "08:00"), ("07:30", "09:00"), ("09:00", "09:15")])
    assert next_allowed_time(at("2026-11-25T23:00"), windows) == at("2026-11-26T09:15")


def test_a_moment_in_utc_is_judged_in_shanghai():
    moment = datetime.datetime(2026, 11, 25, 14, 0, tzinfo=datetime.UTC)  # 22:00 in Shanghai
    assert next_allowed_time(moment, DEFAULT) == at("2026-11-26T08:00")


def test_a_day_without_free_time_is_refused():
    with pytest.raises(ValueError):
        next_allowed_time(at("2026-11-25T12:00"), parse_windows([("00:00", "12:00"), ("12:00", "00:00")]))


clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
windows_strategy = st.lists(st.tuples(clock, clock), max_size=4).map(parse_windows)
moments = st.datetimes(
    min_value=datetime.datetime(2024, 1, 1), max_value=datetime.datetime(2030, 12, 31), timezones=st.just(TZ)
)


@given(moment=moments, windows=windows_strategy)
def test_next_allowed_time_properties(moment, windows):
    try:
        result = next_allowed_time(moment, windows)
    except ValueError:
        # Only when the windows leave no minute of the day free.
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        assert all(in_quiet_hours(day + datetime.timedelta(minutes=m), windows) for m in range(1440))
        return
    assert result >= moment
    assert not in_quiet_hours(result, windows)
    if not in_quiet_hours(moment, windows):
        assert result == moment
    else:
        # Not later than needed: just before the result it was still quiet.
        just_before = max(moment, result - datetime.timedelta(seconds=1))
        assert in_quiet_hours(just_before, windows)
    assert result - moment <= datetime.timedelta(days=2)
