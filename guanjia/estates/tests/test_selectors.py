"""Search and filters mean the same thing in the console, the API and exports."""

import datetime
import re

import pytest
from django.test import Client

from guanjia.testing import factories as f
from guanjia.testing.api import Api, ids

pytestmark = pytest.mark.django_db


def web_resident_ids(user, **params):
    client = Client()
    client.force_login(user)
    html = client.get("/residents/", params).content.decode()
    return {int(pk) for pk in re.findall(r'href="/residents/(\d+)/"', html)}


@pytest.mark.parametrize(
    "query",
    ["13812345678", "+86 138-1234-5678", "1201", "住户", "王", "no-match"],
)
def test_resident_search_agrees_between_web_and_api(world, query):
    f.ResidentFactory(project=world.project, name="王小明", phone="13812345678")
    api_ids = ids(Api(world.desk).get("residents", search=query, page_size=200))
    assert api_ids == web_resident_ids(world.desk, q=query)


def test_project_filter_includes_residents_who_live_there_but_registered_elsewhere(world):
    mover = f.ResidentFactory(project=world.sibling_project)
    f.OccupancyFactory(resident=mover, unit=f.UnitFactory(building=world.building, number="0808"))
    api_ids = ids(Api(world.hq).get("residents", project_id=world.project.pk, page_size=200))
    assert mover.pk in api_ids
    assert api_ids == web_resident_ids(world.hq, project=world.project.pk)


def test_unit_search_finds_the_unit_by_its_residents_phone(world):
    response = Api(world.desk).get("units", search=world.resident.phone)
    assert ids(response) == {world.unit.pk}


@pytest.fixture(params=["id list", "row by row"])
def project_plan(request, monkeypatch):
    """``resident_in_project`` both ways: a small project by its ids, a big one row by row (the
    threshold lowered so that a test's project counts as big)."""
    from guanjia.estates import selectors

    if request.param == "row by row":
        monkeypatch.setattr(selectors, "PROJECT_ID_LIST_MAX", 1)
    return request.param


def test_project_list_and_searches_are_the_same_whichever_way_the_project_is_read(world, project_plan):
    mover = f.ResidentFactory(project=world.sibling_project, name="搬来的人", phone="13812340001")
    f.OccupancyFactory(resident=mover, unit=f.UnitFactory(building=world.building, number="0808"))
    registered_only = f.ResidentFactory(project=world.project, name="只登记", phone="13812340002")
    elsewhere = f.ResidentFactory(project=world.sibling_project, name="别处的人", phone="13812340003")
    moved_out = f.ResidentFactory(project=world.sibling_project, name="搬走的人", phone="13812340004")
    f.OccupancyFactory(
        resident=moved_out,
        unit=f.UnitFactory(building=world.building, number="0909"),
        start_on=datetime.date(2020, 1, 1),
        end_on=datetime.date(2021, 1, 1),
    )
    foreign = f.ResidentFactory(project=world.foreign_project, name="搬来的人", phone="13812340001")
    project = world.project.pk

    listed = web_resident_ids(world.hq, project=project)
    assert {mover.pk, registered_only.pk, world.resident.pk, world.other_resident.pk} <= listed
    assert not listed & {elsewhere.pk, moved_out.pk, foreign.pk}
    assert listed == ids(Api(world.hq).get("residents", project_id=project, page_size=200))
    # Searches within the project: a full phone, a name, a room — each finds its one person.
    assert web_resident_ids(world.hq, project=project, q="13812340001") == {mover.pk}
    assert web_resident_ids(world.hq, project=project, q="搬来") == {mover.pk}
    assert web_resident_ids(world.hq, project=project, q="1栋-0808") == {mover.pk}
    assert web_resident_ids(world.hq, project=project, q="13812340003") == set()
    # The desk of the project sees it the same way; the other company's admin sees nothing of it.
    assert web_resident_ids(world.desk, project=project, q="搬来") == {mover.pk}
    assert web_resident_ids(world.foreign_admin, project=project, q="搬来") == {foreign.pk}


def test_a_capped_count_is_exact_up_to_the_cap_whatever_the_order(world, monkeypatch):
    from guanjia.estates.models import Resident
    from guanjia.web import helpers

    monkeypatch.setattr(helpers.CappedPaginator, "cap", 3)
    f.ResidentFactory.create_batch(2, project=world.project)
    scoped = Resident.objects.visible_to(world.hq).order_by("-name")
    total = scoped.count()
    assert helpers.CappedPaginator(scoped.filter(project=world.sibling_project), 20).count == (
        scoped.filter(project=world.sibling_project).count()
    )
    paginator = helpers.CappedPaginator(scoped, 20)
    assert total > 3 and paginator.count == 4 and paginator.capped
