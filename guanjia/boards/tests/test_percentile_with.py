"""The running period's median and p90 taken over its kept times and today's together without
merging them (``clocks.percentile_with``): the same number as sorting them all (``clocks.percentile``,
PostgreSQL's ``PERCENTILE_CONT``), ties and empty sides included."""

from array import array

from hypothesis import given
from hypothesis import strategies as st

from guanjia.boards import clocks

# Few distinct values, so that ties between the kept times and today's are common.
TIMES = st.lists(st.sampled_from([0.0, 30.0, 60.5, 61.0, 600.0, 3600.25, 86400.0]) | st.floats(0, 1e6))


@given(kept=TIMES, extra=TIMES, fraction=st.sampled_from([0.0, 0.5, 0.9, 1.0]) | st.floats(0, 1))
def test_kept_and_todays_times_give_the_percentile_of_all_of_them(kept, extra, fraction):
    together = clocks.percentile_with(array("d", sorted(kept)), sorted(extra), fraction)
    assert together == clocks.percentile(kept + extra, fraction)


def test_nothing_kept_and_nothing_today_has_no_percentile():
    assert clocks.percentile_with(array("d"), [], 0.5) is None
    assert clocks.percentile_with(array("d"), [42.0], 0.9) == 42.0
    assert clocks.percentile_with(array("d", [1.0, 2.0, 3.0]), [], 0.5) == 2.0
