"""Today summed by the job up to its run (``rollup.rollup_today``), the rest of the day read live:
the same figures as reading the whole day live; a later change to something before the job's run
waits for its next run, as a finished day's does. "Now" is 18 March 2026, 10:00 in Shanghai."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.boards import rollup, selectors
from guanjia.boards.models import FigureDay, FigureRollup
from guanjia.boards.tests.conftest import NOW, at, make_deadline, make_ticket
from guanjia.boards.tests.test_figures import fig, params  # noqa: F401 (fixture)
from guanjia.boards.tests.test_rollup import GROUPS, PERIODS, days
from guanjia.sla.choices import Stage
from guanjia.tickets.choices import Kind, Status
from guanjia.tickets.models import Ticket

JOB_RAN_AT = at(18, 8)  # the job's last run, two hours before "now"


@pytest.fixture
def on_18_march(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def today(fig, on_18_march):  # noqa: F811
    """This morning, before and after the job's run: completions, a complaint, clocks met, missed
    (done late, and still running late) and one due after the run."""
    w = fig
    early = make_ticket(
        w.project,
        first_contact=w.desk_member,
        assignee=w.tech_member,
        received_at=at(18, 6),
        completed_at=at(18, 7),
        status=Status.COMPLETED,
    )
    make_deadline(early, Stage.RESPONSE, due_at=at(18, 6, 30), done_at=at(18, 6, 20))
    make_deadline(early, Stage.COMPLETE, due_at=at(18, 6, 50), done_at=at(18, 7))  # late
    late = make_ticket(w.project, first_contact=w.desk_member, assignee=w.tech_member, received_at=at(18, 5))
    make_deadline(late, Stage.RESPONSE, due_at=at(18, 7, 30))  # running late since before the run
    make_deadline(late, Stage.ON_SITE, due_at=at(18, 9), done_at=at(18, 9, 40))  # late, after it
    after = make_ticket(
        w.sibling_project,
        first_contact=w.sibling_member,
        received_at=at(18, 8, 30),
        completed_at=at(18, 9, 15),
        completed_by=w.sibling_member,
        status=Status.COMPLETED,
        rating=5,
    )
    make_deadline(after, Stage.RESPONSE, due_at=at(18, 9, 30), done_at=at(18, 8, 45))
    make_ticket(w.project, first_contact=w.desk_member, kind=Kind.COMPLAINT, received_at=at(18, 9, 50))
    make_ticket(w.project, first_contact=w.desk_member, kind=Kind.COMPLAINT, received_at=at(18, 7, 10))
    return w


def every_figure(user):
    return {(g, p): selectors.figures(user, params(g, p)) for g in GROUPS for p in PERIODS}


def test_today_summed_by_the_job_and_read_live_since_gives_the_live_figures(today):
    live = {user: every_figure(user) for user in (today.admin, today.manager)}
    rollup.rollup(today.project.company, days("2026-03-01", "2026-03-17"), now=NOW)
    assert rollup.rollup_today(today.project.company, now=JOB_RAN_AT) > 0
    assert FigureRollup.objects.get(day=datetime.date(2026, 3, 18)).through == JOB_RAN_AT
    assert FigureDay.objects.filter(day=datetime.date(2026, 3, 18)).exists()
    for user, figures in live.items():
        assert every_figure(user) == figures


def test_a_change_before_the_job_ran_waits_for_its_next_run(today):
    rollup.rollup_today(today.project.company, now=JOB_RAN_AT)
    by_day = {r["label"]: r for r in selectors.figures(today.admin, params("project", "day"))["rows"]}
    before = by_day[today.project.name]["rating"]["count"]
    # The request completed at 07:00 is rated at 09:55: after the job's run, about a moment before it.
    Ticket.objects.filter(completed_at=at(18, 7)).update(rating=2)
    stale = {r["label"]: r for r in selectors.figures(today.admin, params("project", "day"))["rows"]}
    assert stale[today.project.name]["rating"]["count"] == before
    rollup.rollup_today(today.project.company, now=NOW)
    fresh = {r["label"]: r for r in selectors.figures(today.admin, params("project", "day"))["rows"]}
    assert fresh[today.project.name]["rating"]["count"] == before + 1


def test_the_periodic_job_sums_today_too(today):
    rollup.rollup_recent(now=NOW)
    assert set(FigureRollup.objects.filter(through__isnull=False).values_list("day", "through")) == {
        (datetime.date(2026, 3, 18), NOW)
    }
    assert rollup.rolled_days(
        today.project.company_id, datetime.date(2026, 3, 17), datetime.date(2026, 3, 18)
    ) == (
        {datetime.date(2026, 3, 17)},
        {datetime.date(2026, 3, 18): NOW},
        NOW,
    )


def test_yesterdays_part_is_replaced_by_the_whole_day(today):
    """After midnight, yesterday's part (the job's last run of the day) is read with the rest of the
    day live until the job sums the finished day whole."""
    company = today.project.company
    live = every_figure(today.admin)
    rollup.rollup_today(company, now=at(17, 23, 50))
    assert every_figure(today.admin) == live
    rollup.rollup(company, [datetime.date(2026, 3, 17)], now=NOW)
    assert FigureRollup.objects.get(day=datetime.date(2026, 3, 17)).through is None
    assert every_figure(today.admin) == live


def test_the_days_summed_by_the_job_are_read_whole_until_it_runs_again(
    today, django_capture_on_commit_callbacks
):
    """For someone who sees the whole company, the job's sums of the running period's days (today's
    part with them) are read once and then whole from the cache (``figure_table._summed_days``),
    until the job's next run — even one stamped with the same moment."""
    company = today.project.company
    rollup.rollup(company, days("2026-03-01", "2026-03-17"), now=NOW)
    rollup.rollup_today(company, now=JOB_RAN_AT)
    built = {}
    for g in GROUPS:
        with django_capture_on_commit_callbacks(execute=True):
            built[g] = selectors.figures(today.admin, params(g, "month"))
    for g, figures in built.items():
        with CaptureQueriesContext(connection) as queries:
            assert selectors.figures(today.admin, params(g, "month")) == figures
        assert not [q for q in queries.captured_queries if "boards_figureday" in q["sql"]], g
    # The request completed at 07:00 rated after the run: the copy holds until the job runs again.
    Ticket.objects.filter(completed_at=at(18, 7)).update(rating=2)
    mine = str(today.project.pk)

    def ratings(user):
        rows = selectors.figures(user, params("project", "month"))["rows"]
        return next(r["rating"]["count"] for r in rows if r["key"] == mine)

    before = ratings(today.admin)
    # A manager's sums are read from the job's rows on every call: the same (waiting) figure.
    with CaptureQueriesContext(connection) as queries:
        assert ratings(today.manager) == before
    assert [q for q in queries.captured_queries if "boards_figureday" in q["sql"]]
    with django_capture_on_commit_callbacks(execute=True):
        rollup.rollup_today(company, now=JOB_RAN_AT)  # the same stamp: the run drops the copies
    assert ratings(today.admin) == before + 1
