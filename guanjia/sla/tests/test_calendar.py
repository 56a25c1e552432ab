"""Calendar arithmetic: 24×7 is plain addition; business hours count only working time, with
public holidays and make-up working days (调休) taken from data."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.sla.calendar import LOCAL, add_working_time, calendar_days, is_working_day
from guanjia.sla.choices import CalendarKind
from guanjia.sla.models import Calendar, CalendarDay

BUSINESS = Calendar(
    name="工作时间",
    kind=CalendarKind.BUSINESS,
    work_starts=datetime.time(8, 30),
    work_ends=datetime.time(17, 30),
    workdays="01234",
)
ALWAYS = Calendar(name="7×24", kind=CalendarKind.ALWAYS)
# National Day week as data: 1–7 October off, Sunday 20 September and Saturday 10 October worked.
NATIONAL_DAY = {datetime.date(2026, 10, d): False for d in range(1, 8)} | {
    datetime.date(2026, 9, 20): True,
    datetime.date(2026, 10, 10): True,
}


def local(*args):
    return datetime.datetime(*args, tzinfo=LOCAL)


def add(start, minutes, calendar=BUSINESS, days=NATIONAL_DAY):
    return add_working_time(calendar, start, minutes, days=days)


starts = st.datetimes(
    min_value=datetime.datetime(2026, 9, 10), max_value=datetime.datetime(2026, 10, 20)
).map(lambda d: d.replace(tzinfo=LOCAL))
minutes = st.integers(min_value=0, max_value=6000)


@settings(max_examples=300, deadline=None)
@given(starts, minutes, minutes)
def test_more_minutes_never_end_earlier(start, a, b):
    assert add(start, min(a, b)) <= add(start, max(a, b))


@settings(max_examples=300, deadline=None)
@given(starts, minutes, minutes)
def test_adding_in_two_steps_is_adding_once(start, a, b):
    assert add(start, a + b) == add(add(start, a), b)


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(min_value=1, max_value=6000))
def test_a_business_deadline_falls_in_working_time(start, m):
    due = add(start, m).astimezone(LOCAL)
    assert is_working_day(BUSINESS, due.date(), NATIONAL_DAY)
    assert BUSINESS.work_starts < due.time() <= BUSINESS.work_ends or due.time() == BUSINESS.work_ends


@settings(max_examples=200, deadline=None)
@given(starts, minutes)
def test_around_the_clock_is_plain_addition(start, m):
    assert add(start, m, calendar=ALWAYS) == start + datetime.timedelta(minutes=m)
    assert add_working_time(None, start, m) == start + datetime.timedelta(minutes=m)


def test_the_result_is_utc():
    assert add(local(2026, 9, 14, 9, 0), 30).tzinfo == datetime.UTC


def test_holidays_are_skipped_and_make_up_days_are_worked():
    # Wednesday 30 September, 17:00 + 60 working minutes: 1–7 October are off → Thursday 8th 09:00.
    assert add(local(2026, 9, 30, 17, 0), 60) == local(2026, 10, 8, 9, 0)
    # Friday 9 October 17:00 + 60: Saturday 10th is a make-up working day → 09:00 that Saturday.
    assert add(local(2026, 10, 9, 17, 0), 60) == local(2026, 10, 10, 9, 0)
    # Friday 18 September 17:00 + 60: Sunday the 20th is worked, Saturday the 19th is not.
    assert add(local(2026, 9, 18, 17, 0), 60) == local(2026, 9, 20, 9, 0)
    # Without the exceptions the same Friday evening runs to Monday.
    assert add(local(2026, 10, 9, 17, 0), 60, days={}) == local(2026, 10, 12, 9, 0)


def test_a_request_at_night_starts_counting_next_morning():
    assert add(local(2026, 9, 14, 22, 0), 30) == local(2026, 9, 15, 9, 0)
    assert add(local(2026, 9, 14, 17, 0), 30) == local(2026, 9, 14, 17, 30)  # exactly at work end


@pytest.mark.django_db
def test_calendar_days_are_read_once(world, django_assert_num_queries):
    calendar = Calendar.objects.create(
        company=world.company, name="工作时间", kind=CalendarKind.BUSINESS, workdays="01234"
    )
    for day, working in NATIONAL_DAY.items():
        CalendarDay.objects.create(company=world.company, calendar=calendar, date=day, is_working=working)
    with django_assert_num_queries(1):
        due = add_working_time(calendar, local(2026, 9, 30, 17, 0), 60 * 9 * 3)
    assert due == local(2026, 10, 10, 17, 0)
    assert calendar_days(calendar)[datetime.date(2026, 10, 10)] is True
