"""The rows of whole finished periods, built once from what the roll-up kept and then read whole from
the shared cache (``figure_table._kept_rows``): the same table as building them, names and households
read fresh, dropped when the job runs again, and served only to those who see the whole company."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from guanjia.boards import rollup, selectors
from guanjia.boards.tests.test_figures import fig, params  # noqa: F401 (fixture)
from guanjia.boards.tests.test_rollup import GROUPS, days
from guanjia.estates.models import Project
from guanjia.sla.choices import Stage
from guanjia.tickets.models import Ticket

# A range of whole periods the roll-up keeps (the fixture's history is in March 2026).
WHOLE = {"start": "2026-02-02", "end": "2026-04-05"}
PERIODS = ["week", "month"]


def table(user, group_by, period):
    """The figures, counting their queries."""
    with CaptureQueriesContext(connection) as queries:
        data = selectors.figures(user, params(group_by, period, **WHOLE))
    return data, len(queries)


def keep_every_table(user, django_capture_on_commit_callbacks):
    """Every grouping × period once, its kept rows stored (the cache is written when the reading
    transaction commits)."""
    out = {}
    for g in GROUPS:
        for p in PERIODS:
            with django_capture_on_commit_callbacks(execute=True):
                out[(g, p)] = table(user, g, p)
    return out


@pytest.fixture
def rolled(fig):  # noqa: F811
    rollup.rollup(fig.project.company, days("2026-01-26", "2026-04-12"))
    return fig


def test_kept_rows_read_whole_are_the_rows_built(rolled, django_capture_on_commit_callbacks):
    built = keep_every_table(rolled.admin, django_capture_on_commit_callbacks)
    assert any(data["rows"] for data, _n in built.values())
    for (g, p), (data, queries) in built.items():
        again, fewer = table(rolled.admin, g, p)
        assert again == data, (g, p)
        # Read whole: neither the kept sums nor the kept spreads are queried again.
        assert fewer < queries, (g, p, fewer, queries)


def test_the_api_writes_kept_rows_as_its_schema_does(rolled, django_capture_on_commit_callbacks):
    from guanjia.testing.api import Api

    api = Api(rolled.admin)
    first = {}
    for g in GROUPS:
        with django_capture_on_commit_callbacks(execute=True):
            first[g] = api.get(
                "figures", group_by=g, period="month", **{"from": WHOLE["start"], "to": WHOLE["end"]}
            )
    for g, answer in first.items():
        again = api.get("figures", group_by=g, period="month", **{"from": WHOLE["start"], "to": WHOLE["end"]})
        assert answer.status_code == again.status_code == 200
        # Byte for byte (core.api.json_answer checks each answer against FiguresOut under the tests).
        assert again.content == answer.content


def test_running_the_roll_up_again_drops_the_kept_rows(rolled, django_capture_on_commit_callbacks):
    keep_every_table(rolled.admin, django_capture_on_commit_callbacks)
    rated = Ticket.objects.filter(
        project=rolled.project,
        rating__isnull=True,
        completed_at__gte="2026-03-05",
        completed_at__lt="2026-03-25",
    ).first()
    mine = str(rolled.project.pk)
    march_row = next(
        r
        for r in table(rolled.admin, "project", "month")[0]["rows"]
        if r["key"] == mine and r["period"].month == 3
    )
    # A rating given late to a request completed in March: the job's next run re-sums March.
    Ticket.objects.filter(pk=rated.pk).update(rating=1)
    stale, _n = table(rolled.admin, "project", "month")
    assert next(r for r in stale["rows"] if r["key"] == mine and r["period"].month == 3) == march_row
    with django_capture_on_commit_callbacks(execute=True):
        rollup.rollup(rolled.project.company, days("2026-03-01", "2026-03-31"))
    after, _n = table(rolled.admin, "project", "month")
    cache.clear()
    assert after == table(rolled.admin, "project", "month")[0]
    row = next(r for r in after["rows"] if r["key"] == mine and r["period"].month == 3)
    assert row["rating"]["count"] == march_row["rating"]["count"] + 1


def test_names_and_households_are_read_fresh_for_kept_rows(rolled, django_capture_on_commit_callbacks):
    keep_every_table(rolled.admin, django_capture_on_commit_callbacks)
    Project.objects.filter(pk=rolled.project.pk).update(name="改名后的项目")
    data, _n = table(rolled.admin, "project", "month")
    labels = {r["label"] for r in data["rows"] if r["key"] == str(rolled.project.pk)}
    assert labels == {"改名后的项目"}
    cache.clear()
    assert data == table(rolled.admin, "project", "month")[0]


def test_kept_rows_are_only_read_by_those_who_see_the_whole_company(
    rolled, django_capture_on_commit_callbacks
):
    keep_every_table(rolled.admin, django_capture_on_commit_callbacks)
    for g in GROUPS:
        mine, _n = table(rolled.manager, g, "month")
        cache.clear()
        assert mine == table(rolled.manager, g, "month")[0], g
        keep_every_table(rolled.admin, django_capture_on_commit_callbacks)
    labels = {r["label"] for r in table(rolled.manager, "project", "month")[0]["rows"]}
    assert labels == {rolled.project.name}
    assert table(rolled.foreign_admin, "project", "month")[0]["rows"] == []


def test_kept_rows_are_kept_per_language(rolled, django_capture_on_commit_callbacks):
    keep_every_table(rolled.admin, django_capture_on_commit_callbacks)
    with translation.override("en"):
        english, _n = table(rolled.admin, "project", "month")
        cache.clear()
        assert english == table(rolled.admin, "project", "month")[0]
        expected = {str(stage.label) for stage in Stage}
    assert expected != {str(stage.label) for stage in Stage}  # the labels differ by language
    assert {s["label"] for r in english["rows"] for s in r["on_time"]} == expected


def test_the_range_keeps_whole_periods_only(rolled, django_capture_on_commit_callbacks):
    """A range cutting a month: its edge rows are built from the days, never taken from a kept month."""
    keep_every_table(rolled.admin, django_capture_on_commit_callbacks)
    part = selectors.figures(rolled.admin, params("project", "month", start="2026-03-10", end="2026-03-31"))
    cache.clear()
    assert part == selectors.figures(
        rolled.admin, params("project", "month", start="2026-03-10", end="2026-03-31")
    )
    assert datetime.date(2026, 3, 1) in {r["period"] for r in part["rows"]}
