"""Search and filters mean the same thing in the console, the API and exports."""

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
