"""The running period's times (``boards.samples``): kept by the job up to its run, today's so far
included, those done since read live, the same median and p90 as sorting the whole period live;
never the company's rows for someone who sees only some projects. "Now" is 18 March 2026, 10:00 in
Shanghai: the day, March, the week of 16 March and the first quarter are running."""

import datetime

import pytest
from django.utils import timezone

from guanjia.boards import clocks, rollup, selectors
from guanjia.boards.models import FigureSample, FigureSampleSet
from guanjia.boards.tests.conftest import NOW, SH, at, make_deadline, make_ticket
from guanjia.boards.tests.test_figures import fig, params  # noqa: F401 (fixture)
from guanjia.boards.tests.test_rollup import GROUPS, PERIODS, days
from guanjia.boards.tests.test_spreads import move_second_response, response_median
from guanjia.sla.choices import Stage

D = datetime.date


@pytest.fixture
def on_18_march(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def clock_done_today(world, done_at=None) -> None:
    """A response done this morning (18 March): 150 minutes from receipt, or as ``done_at`` says."""
    ticket = make_ticket(
        world.project, first_contact=world.desk_member, assignee=world.tech_member, received_at=at(18, 7)
    )
    make_deadline(ticket, Stage.RESPONSE, due_at=at(18, 9), done_at=done_at or at(18, 9, 30))


LATER = at(18, 11)  # an hour after the job's run


@pytest.fixture
def an_hour_later(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: LATER)


def every_figure(user, **dates):
    return {(g, p): selectors.figures(user, params(g, p, **dates)) for g in GROUPS for p in PERIODS}


def test_kept_running_periods_give_the_live_figures(fig, on_18_march):  # noqa: F811
    clock_done_today(fig)
    live = {user: every_figure(user) for user in (fig.admin, fig.manager)}
    # A range from 1 January holds the running quarter whole: read kept too.
    live_from_january = every_figure(fig.admin, start="2026-01-01")
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-17"), now=NOW)
    assert set(FigureSampleSet.objects.values_list("period", "period_start", "until")) == {
        ("day", D(2026, 3, 18), NOW),
        ("week", D(2026, 3, 16), NOW),
        ("month", D(2026, 3, 1), NOW),
        ("quarter", D(2026, 1, 1), NOW),
    }
    for user, figures in live.items():
        assert every_figure(user) == figures
    assert every_figure(fig.admin, start="2026-01-01") == live_from_january


def test_the_kept_days_are_read_and_what_is_done_since_is_merged(fig, on_18_march, monkeypatch):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-17"), now=NOW)
    move_second_response(fig)  # behind the job's back: 140 minutes become 200
    name = fig.project.name
    # March is running: its kept times, 115 and 140 minutes.
    assert response_median(selectors.figures(fig.admin, params()), name) == 127.5
    monkeypatch.setattr(timezone, "now", lambda: LATER)
    clock_done_today(fig, done_at=at(18, 10, 30))  # after the job's run: 210 minutes
    # It joins them: the median of 115, 140 and 210.
    assert response_median(selectors.figures(fig.admin, params()), name) == 140.0
    # From 2 March the month is partial at the range's edge: all live (115, 200, 210 minutes).
    assert response_median(selectors.figures(fig.admin, params(start="2026-03-02")), name) == 200.0


def test_today_up_to_the_job_s_run_is_kept_not_read_again(fig, an_hour_later, monkeypatch):  # noqa: F811
    clock_done_today(fig)  # 9:30, before the job's run at 10:00
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-17"), now=NOW)
    name = fig.project.name
    live_windows = []
    first_round_times = clocks.first_round_times

    def watched(deadlines, **kwargs):
        live_windows.append((kwargs["start"], kwargs["end"]))
        return first_round_times(deadlines, **kwargs)

    monkeypatch.setattr(clocks, "first_round_times", watched)
    # The kept 115, 140 and today's 150 minutes; only the hour since the job's run is read live.
    assert response_median(selectors.figures(fig.admin, params()), name) == 140.0
    assert live_windows == [(NOW, at(1, 0, month=4))]  # to the range's end: the days to come too
    # By day, today is the running period: kept up to the run as well.
    live_windows.clear()
    by_day = selectors.figures(fig.admin, params(period="day", start="2026-03-18"))
    assert response_median(by_day, name) == 150.0
    assert live_windows == [(NOW, at(19, 0))]


def test_a_range_ending_before_today_does_not_take_today_s_kept_times(fig, an_hour_later):  # noqa: F811
    clock_done_today(fig)
    live = every_figure(fig.admin, end="2026-03-17")
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-17"), now=NOW)
    # Through 17 March: 115 and 140 minutes, without this morning's 150.
    assert response_median(selectors.figures(fig.admin, params(end="2026-03-17")), fig.project.name) == 127.5
    assert every_figure(fig.admin, end="2026-03-17") == live


def test_the_running_period_is_not_sorted_again(fig, on_18_march, monkeypatch):  # noqa: F811
    clock_done_today(fig)
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-17"), now=NOW)

    def sorting_live(*args, **kwargs):
        raise AssertionError("the running month's times were sorted live")

    monkeypatch.setattr(clocks, "time_percentiles", sorting_live)
    row = next(r for r in selectors.figures(fig.admin, params())["rows"] if r["label"] == fig.project.name)
    assert {t["stage"]: t["median"] for t in row["times"]}["response"] == 140.0


def test_someone_who_sees_some_projects_never_reads_the_company_wide_times(fig, on_18_march):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-17"), now=NOW)
    move_second_response(fig)
    # By department a kept row is over the whole company: the administrator (HQ) reads it ...
    assert response_median(selectors.figures(fig.admin, params("department")), "工程") == 127.5
    # ... the project's manager gets the project's clocks live.
    assert response_median(selectors.figures(fig.manager, params("department")), "工程") == 157.5
    # By project the kept rows are per project: the manager reads their project's.
    assert response_median(selectors.figures(fig.manager, params()), fig.project.name) == 127.5
    assert selectors.figures(fig.foreign_admin, params())["rows"] == []
    kept_projects = set(FigureSample.objects.filter(dimension="project").values_list("project", flat=True))
    assert kept_projects == {fig.project.pk}


def test_the_job_replaces_what_it_kept_and_keeps_the_periods_that_begin_today(fig):  # noqa: F811
    company = fig.project.company
    rollup.rollup(company, days("2026-03-01", "2026-03-17"), now=NOW)
    rows = FigureSample.objects.count()
    assert rows > 0
    rollup.rollup(company, days("2026-03-01", "2026-03-17"), now=NOW)
    assert FigureSample.objects.count() == rows
    assert FigureSampleSet.objects.count() == 4
    # On Wednesday 1 April, 03:00, the month and the quarter begin: kept from their first day.
    run = datetime.datetime(2026, 4, 1, 3, tzinfo=SH)
    rollup.rollup(company, days("2026-03-25", "2026-03-31"), now=run)
    assert set(FigureSampleSet.objects.values_list("period", "period_start", "until")) == {
        ("day", D(2026, 4, 1), run),
        ("week", D(2026, 3, 30), run),
        ("month", D(2026, 4, 1), run),
        ("quarter", D(2026, 4, 1), run),
    }
    # Nothing was done in April before 03:00: the new month keeps no times; the week's began Monday.
    assert set(FigureSample.objects.values_list("sample_set__period", flat=True)) <= {"week"}
