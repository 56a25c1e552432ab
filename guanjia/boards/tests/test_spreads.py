"""The times' median and p90 kept per finished period (``boards.spreads``): read for the whole
finished periods of a range, live at its edges and for what is still running, and never the
company's rows for someone who sees only some projects."""

import datetime

from guanjia.boards import rollup, selectors, spreads
from guanjia.boards.models import FigureDay, FigurePeriod, FigureSpread, FigureSpreadPeriod
from guanjia.boards.tests.conftest import SH, at
from guanjia.boards.tests.test_figures import fig, params  # noqa: F401 (fixture)
from guanjia.boards.tests.test_rollup import days
from guanjia.sla.choices import Stage
from guanjia.sla.models import TicketDeadline

D = datetime.date


def response_median(table, label) -> float | None:
    row = next(r for r in table["rows"] if r["label"] == label)
    return next(t["median"] for t in row["times"] if t["stage"] == "response")


def move_second_response(fig) -> None:  # noqa: F811
    """Change a clock behind the job's back (the job re-sums the recent days every ten minutes):
    the second response of March now took 200 minutes instead of 140."""
    moved = TicketDeadline.objects.filter(stage=Stage.RESPONSE, done_at=at(10, 8, 50)).update(
        done_at=at(10, 9, 50)
    )
    assert moved == 1


def test_whole_finished_periods_are_read_kept_and_the_edges_live(fig):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-31"))
    move_second_response(fig)
    # March whole and finished: the kept median of 115 and 140 minutes.
    assert response_median(selectors.figures(fig.admin, params()), fig.project.name) == 127.5
    # From 2 March, March is a partial period at the range's edge: live, so the moved clock counts.
    partial = selectors.figures(fig.admin, params(start="2026-03-02"))
    assert response_median(partial, fig.project.name) == 157.5


def test_someone_who_sees_some_projects_never_reads_the_company_wide_rows(fig):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-03-01", "2026-03-31"))
    move_second_response(fig)
    # By department the kept row is over the whole company: the administrator (HQ) reads it ...
    assert response_median(selectors.figures(fig.admin, params("department")), "工程") == 127.5
    # ... the project's manager gets the project's clocks live.
    assert response_median(selectors.figures(fig.manager, params("department")), "工程") == 157.5
    # By project the kept rows are per project, and the manager reads those of their project.
    assert response_median(selectors.figures(fig.manager, params()), fig.project.name) == 127.5
    assert not FigureSpread.objects.filter(dimension="project", project=fig.sibling_project).exists()


def test_the_job_keeps_only_finished_periods_and_replaces_them(fig):  # noqa: F811
    company = fig.project.company
    now = datetime.datetime(2026, 4, 2, 3, 0, tzinfo=SH)
    rollup.rollup(company, days("2026-03-30", "2026-03-31"), now=now)
    kept = set(FigureSpreadPeriod.objects.filter(company=company).values_list("period", "period_start"))
    # The week of 30 March ends on 5 April: still running, not kept.
    assert kept == {
        ("day", D(2026, 3, 30)),
        ("day", D(2026, 3, 31)),
        ("month", D(2026, 3, 1)),
        ("quarter", D(2026, 1, 1)),
    }
    rows = FigureSpread.objects.filter(company=company).count()
    assert rows > 0  # March's clocks, by every grouping, in the month and the quarter
    rollup.rollup(company, days("2026-03-30", "2026-03-31"), now=now)
    assert FigureSpread.objects.filter(company=company).count() == rows
    assert FigureSpreadPeriod.objects.filter(company=company).count() == len(kept)


def test_whole_periods():
    today = D(2026, 12, 1)
    # 1 March 2026 is a Sunday: the first whole week starts on 2 March; the week of 30 March ends in April.
    assert spreads.whole_periods("week", D(2026, 3, 1), D(2026, 3, 31), today) == [
        D(2026, 3, 2),
        D(2026, 3, 9),
        D(2026, 3, 16),
        D(2026, 3, 23),
    ]
    assert spreads.whole_periods("month", D(2026, 3, 1), D(2026, 3, 31), D(2026, 3, 31)) == []  # not over
    assert spreads.whole_periods("month", D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 1)) == [D(2026, 3, 1)]
    assert spreads.whole_periods("quarter", D(2026, 1, 1), D(2026, 6, 30), today) == [
        D(2026, 1, 1),
        D(2026, 4, 1),
    ]
    assert spreads.whole_periods("quarter", D(2026, 1, 2), D(2026, 6, 30), today) == [D(2026, 4, 1)]
    assert spreads.whole_periods("day", D(2026, 11, 29), D(2026, 12, 3), today) == [
        D(2026, 11, 29),
        D(2026, 11, 30),
    ]
    assert spreads.period_first("quarter", D(2026, 11, 17)) == D(2026, 10, 1)
    assert spreads.period_first("week", D(2026, 3, 1)) == D(2026, 2, 23)


def test_the_default_range_begins_with_a_whole_period():
    today = D(2026, 12, 3)  # 90 days back is Saturday 5 September

    def start(period, **given):
        return selectors.figure_params(period=period, today=today, **given).start

    assert start("month") == D(2026, 9, 1)
    assert start("week") == D(2026, 8, 31)
    assert start("quarter") == D(2026, 7, 1)
    assert start("day") == D(2026, 9, 5)
    assert start("month", start="2026-09-05") == D(2026, 9, 5)  # a date given is kept


def test_whole_finished_periods_read_their_kept_sums_not_their_days(fig):  # noqa: F811
    company = fig.project.company
    live = {period: selectors.figures(fig.admin, params(period=period)) for period in ("week", "month")}
    manager_live = selectors.figures(fig.manager, params("department"))
    rollup.rollup(company, days("2026-03-01", "2026-03-31"))
    # March and its whole weeks are kept per project and key; the days' rows are not read for them.
    assert FigurePeriod.objects.filter(company=company, period="month", period_start=D(2026, 3, 1)).exists()
    assert FigureSpreadPeriod.objects.get(
        company=company, period="month", period_start=D(2026, 3, 1)
    ).sums_kept
    FigureDay.objects.filter(company=company).delete()
    assert selectors.figures(fig.admin, params()) == live["month"]
    # The week of 23 March is whole and kept; those of 2–8 March … likewise; the days at the month's
    # edges (1 March, 30–31 March) would have come from the deleted day rows: they are gone.
    weekly = selectors.figures(fig.admin, params(period="week"))
    assert weekly != live["week"]
    assert {r["period"] for r in weekly["rows"]} <= set(
        spreads.whole_periods("week", D(2026, 3, 1), D(2026, 3, 31), D(2026, 12, 1))
    )
    # Kept per project: the project's manager reads their project's sums, as they would live.
    assert selectors.figures(fig.manager, params("department")) == manager_live


def test_a_period_with_a_day_not_rolled_up_keeps_no_sums(fig):  # noqa: F811
    company = fig.project.company
    live = selectors.figures(fig.admin, params())
    rollup.rollup(company, days("2026-03-02", "2026-03-31"))  # 1 March never rolled up
    marker = FigureSpreadPeriod.objects.get(company=company, period="month", period_start=D(2026, 3, 1))
    assert not marker.sums_kept
    assert not FigurePeriod.objects.filter(company=company, period="month").exists()
    assert selectors.figures(fig.admin, params()) == live  # the days' rows and 1 March live
    rollup.rollup(company, days("2026-03-01", "2026-03-01"))  # now the month is whole: kept
    assert FigurePeriod.objects.filter(company=company, period="month").exists()
    assert selectors.figures(fig.admin, params()) == live
