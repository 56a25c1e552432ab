"""The figures' live part (what happened since the job's run, and days it never summed) is read by
statements built once per process and scope (``clocks.live_rows`` → ``core.statements``): the same
sums as building the queries on each call, for every grouping and period and any range, and a
statement built for one scope never serves another. The running period's rows are built once per set
of numbers."""

import datetime
from unittest import mock

import pytest

from guanjia.boards import figure_table, sums
from guanjia.boards.tests.conftest import at
from guanjia.boards.tests.test_figures import fig  # noqa: F401 (fixture)
from guanjia.boards.tests.test_rollup import GROUPS
from guanjia.core import statements
from guanjia.core.scoping import scope_for
from guanjia.sla.models import TicketDeadline
from guanjia.tickets.models import FollowUpCall, Ticket, TicketRework

pytestmark = pytest.mark.django_db

# Three ranges of the fixture's March: the whole month, and two parts ending mid-day.
MARCH_FIRST = datetime.date(2026, 3, 1)
RANGES = [(at(1, 0), at(31, 23)), (at(2, 0), at(10, 10)), (at(10, 10), at(20, 0))]


@pytest.fixture(autouse=True)
def no_statements_kept():
    statements._statements.clear()
    yield
    statements._statements.clear()


def live(user, group_by, period, start, end, *, prepared):
    trunc, _label = figure_table.PERIODS[period]
    return sums.aggregate(
        Ticket.objects.visible_to(user),
        TicketDeadline.objects.visible_to(user),
        FollowUpCall.objects.visible_to(user),
        TicketRework.objects.visible_to(user),
        group_by=group_by,
        trunc=trunc,
        start=start,
        end=end,
        now=at(25, 12),
        prepared=scope_for(user) if prepared else None,
    )


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize("group_by", GROUPS)
def test_the_live_part_from_kept_statements_is_the_live_part_built(fig, group_by, period):  # noqa: F811
    with mock.patch.object(statements, "_prepare", wraps=statements._prepare) as prepare:
        sums = []
        for start, end in RANGES:
            built = live(fig.admin, group_by, period, start, end, prepared=False)
            assert live(fig.admin, group_by, period, start, end, prepared=True) == built
            sums.append(built)
            # Built by the first range; the other two only put their moments in.
            assert prepare.call_count in (7, 8)
    assert prepare.call_count in (7, 8)
    assert all(sums) and sums[1] != sums[2]
    # Nothing was refused: every statement is kept and none is run as a plain queryset.
    assert all(statement is not None for statement in statements._statements.values())


def test_a_live_statement_built_for_one_scope_never_serves_another(fig):  # noqa: F811
    start, end = RANGES[0]
    whole = live(fig.admin, "project", "month", start, end, prepared=True)
    assert {key for _period, key in whole} == {fig.project.pk, fig.sibling_project.pk}
    for user in (fig.desk, fig.sibling_desk, fig.foreign_admin):
        assert live(user, "project", "month", start, end, prepared=True) == live(
            user, "project", "month", start, end, prepared=False
        )
    assert {key for _period, key in live(fig.desk, "project", "month", start, end, prepared=True)} == {
        fig.project.pk
    }
    assert live(fig.foreign_admin, "project", "month", start, end, prepared=True) == {}
    # …and the other way round: built for the desk first, the admin still gets the whole company.
    statements._statements.clear()
    live(fig.desk, "project", "month", start, end, prepared=True)
    assert live(fig.admin, "project", "month", start, end, prepared=True) == whole


def test_a_row_is_reused_only_for_the_same_numbers(fig):  # noqa: F811
    """The rows of the running period are built once per set of numbers (``_built_row``): a call
    whose sums or times differ in any figure gets its own row."""
    stages = figure_table._stages()
    sums = {**figure_table._NO_MEASURES, "completed": 4, "followed_up": 2}
    spread = {"response": (60.0, 120.0)}
    first = figure_table._built_row(MARCH_FIRST, fig.project.pk, dict(sums), dict(spread), stages)
    assert figure_table._built_row(MARCH_FIRST, fig.project.pk, dict(sums), dict(spread), stages) is first
    assert first["follow_up_rate"] == 0.5
    more = figure_table._built_row(MARCH_FIRST, fig.project.pk, {**sums, "followed_up": 3}, spread, stages)
    assert more["follow_up_rate"] == 0.75
    slower = figure_table._built_row(MARCH_FIRST, fig.project.pk, sums, {"response": (90.0, 120.0)}, stages)
    assert [t["median"] for t in slower["times"] if t["stage"] == "response"] == [1.5]
    other = figure_table._built_row(MARCH_FIRST, fig.sibling_project.pk, sums, spread, stages)
    assert other["key"] == str(fig.sibling_project.pk) and first["key"] == str(fig.project.pk)
