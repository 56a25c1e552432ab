"""The figures' daily roll-up gives exactly the live numbers, only faster; today is always live."""

import datetime

import pytest
from django.utils import timezone

from guanjia.boards import rollup, selectors
from guanjia.boards.models import FigureDay, FigureRollup
from guanjia.boards.tests.test_figures import MARCH, fig, params  # noqa: F401 (fixture)
from guanjia.testing.api import Api

PERIODS = ["day", "week", "month", "quarter"]
GROUPS = ["project", "department", "category", "person"]


def days(first: str, last: str) -> list[datetime.date]:
    start, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def every_figure(user):
    return {(g, p): selectors.figures(user, params(g, p)) for g in GROUPS for p in PERIODS}


def test_rolled_up_figures_equal_the_live_ones(fig):  # noqa: F811
    live = every_figure(fig.admin)
    assert any(table["rows"] for table in live.values())
    written = rollup.rollup(fig.project.company, days("2026-02-20", "2026-04-10"))
    assert written > 0
    assert every_figure(fig.admin) == live


def test_a_partly_rolled_up_range_mixes_stored_and_live_days_exactly(fig):  # noqa: F811
    live = every_figure(fig.admin)
    # Every other week rolled up: the figures read stored sums and three live runs.
    rollup.rollup(fig.project.company, days("2026-03-03", "2026-03-09") + days("2026-03-17", "2026-03-23"))
    assert every_figure(fig.admin) == live


def test_the_api_writes_rolled_up_figures_as_its_schema_does(fig):  # noqa: F811
    """The API writes the figures' dicts without validating them (core.api.json_answer); read from
    the kept sums and spreads they are still what FiguresOut writes — the tests check every such
    answer byte for byte — and the same rows as the live ones."""
    api = Api(fig.admin)
    query = {"from": MARCH["start"], "to": MARCH["end"]}
    live = {(g, p): api.get("figures", group_by=g, period=p, **query).json() for g in GROUPS for p in PERIODS}
    rollup.rollup(fig.project.company, days("2026-02-20", "2026-04-10"))
    for (g, p), body in live.items():
        answer = api.get("figures", group_by=g, period=p, **query)
        assert answer.status_code == 200
        assert answer.json() == body


def test_running_again_replaces_the_same_days(fig):  # noqa: F811
    company = fig.project.company
    march = days("2026-03-01", "2026-03-31")
    first = rollup.rollup(company, march)
    assert rollup.rollup(company, march) == first
    assert FigureDay.objects.filter(company=company).count() == first
    assert FigureRollup.objects.filter(company=company).count() == 31


@pytest.mark.django_db
def test_today_is_left_to_the_live_figures(bw):
    assert rollup.rollup(bw.project.company, [timezone.localdate()]) == 0
    assert not FigureRollup.objects.exists()


def test_rolled_up_figures_are_scoped(fig):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-31"))
    labels = {r["label"] for r in selectors.figures(fig.manager, params())["rows"]}
    assert labels == {fig.project.name}
    assert selectors.figures(fig.foreign_admin, params())["rows"] == []


@pytest.mark.parametrize("group_by", GROUPS)
def test_rolled_up_figures_run_fewer_queries(fig, group_by, django_assert_num_queries):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-31"))
    selectors.scope_for(fig.admin)
    # rolled-up days, the stored sums, the periods whose times' median and p90 are kept and those
    # (the month's days are whole finished periods: nothing is read live), households, names
    # (departments need no name lookup), and by person the projects each serves (their households)
    with django_assert_num_queries({"department": 5, "person": 7}.get(group_by, 6)):
        selectors.figures(fig.admin, params(group_by, "day"))


@pytest.mark.parametrize("group_by", GROUPS)
def test_a_kept_month_is_read_in_a_fixed_number_of_queries(fig, group_by, django_assert_num_queries):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-31"))
    selectors.scope_for(fig.admin)
    # rolled-up days, the periods whose sums are kept and their sums, the periods whose times' median
    # and p90 are kept and those, households, names (as by day above)
    with django_assert_num_queries({"department": 6, "person": 8}.get(group_by, 7)):
        selectors.figures(fig.admin, params(group_by, "month"))


def test_day_runs_skip_rolled_days():
    d = datetime.date(2026, 3, 1)
    skip = {d + datetime.timedelta(days=n) for n in (1, 2, 5)}
    runs = list(rollup.day_runs(d, d + datetime.timedelta(days=6), skip=skip))
    assert runs == [
        (d, d),
        (d + datetime.timedelta(days=3), d + datetime.timedelta(days=4)),
        (d + datetime.timedelta(days=6), d + datetime.timedelta(days=6)),
    ]
