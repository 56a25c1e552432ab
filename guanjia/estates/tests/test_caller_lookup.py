"""Finding a caller the way they identify themselves: the last four digits of their phone, their
room as people write it ("1栋-103", "1-103", "1栋103", "1栋 103"), or a room number that means
exactly that number — in the resident and unit lists, the desk's caller search, the request search
and the bills' room filter, all through one reading of the text (``caller_lookup``)."""

import re

import pytest
from django.db import connection
from django.test import Client

from guanjia.estates.models import Resident, Unit
from guanjia.estates.selectors import caller_lookup, resident_search, unit_search
from guanjia.testing import factories as f
from guanjia.testing.api import Api, ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def callers(world):
    """Unit 103 in 1栋 and in 2栋, and 1103 in 1栋, each with a resident."""
    b1 = world.building  # "1栋"
    b2 = f.BuildingFactory(project=world.project, name="2栋")
    world.u1 = f.UnitFactory(building=b1, number="103")
    world.u2 = f.UnitFactory(building=b2, number="103")
    world.u3 = f.UnitFactory(building=b1, number="1103")
    world.wang = f.ResidentFactory(project=world.project, name="王小明", phone="13800005678")
    world.li = f.ResidentFactory(project=world.project, name="李四", phone="13900001234")
    world.zhao = f.ResidentFactory(project=world.project, name="赵六", phone="13700009999")
    f.OccupancyFactory(resident=world.wang, unit=world.u1)
    f.OccupancyFactory(resident=world.li, unit=world.u2)
    f.OccupancyFactory(resident=world.zhao, unit=world.u3)
    return world


def web_ids(user, path, **params):
    client = Client()
    client.force_login(user)
    html = client.get(path, params).content.decode()
    return {int(pk) for pk in re.findall(rf'href="{path}(\d+)/"', html)}


@pytest.mark.parametrize("text", ["1栋-103", "1-103", "1栋103", "1栋 103", "1号楼103室", "1#103"])
def test_a_room_as_people_write_it_finds_that_room_and_its_residents(callers, text):
    assert ids(Api(callers.desk).get("units", search=text)) == {callers.u1.pk}
    assert ids(Api(callers.desk).get("residents", search=text)) == {callers.wang.pk}
    assert web_ids(callers.desk, "/residents/", q=text) == {callers.wang.pk}


def test_a_bare_room_number_means_exactly_that_number(callers):
    # 103 in both buildings; never 1103, which merely contains it.
    assert ids(Api(callers.desk).get("units", search="103")) == {callers.u1.pk, callers.u2.pk}
    assert ids(Api(callers.desk).get("residents", search="103")) == {callers.wang.pk, callers.li.pk}


def test_the_last_four_digits_of_the_phone_find_the_caller(callers):
    assert ids(Api(callers.desk).get("residents", search="5678")) == {callers.wang.pk}
    assert ids(Api(callers.desk).get("residents", search="尾号5678")) == {callers.wang.pk}
    assert ids(Api(callers.desk).get("units", search="5678")) == {callers.u1.pk}
    # Four digits may also be a room: 1103 is both looked for.
    assert ids(Api(callers.desk).get("units", search="1103")) == {callers.u3.pk}


def test_the_desk_caller_search_finds_the_room_and_the_phone_tail(callers):
    client = Client()
    client.force_login(callers.desk)
    for text in ("1-103", "5678"):
        html = client.get("/tickets/callers/", {"q": text}).content.decode()
        assert "王小明" in html and "李四" not in html and "赵六" not in html, text


def test_another_companys_resident_with_the_same_tail_is_not_found(callers):
    foreign = f.ResidentFactory(project=callers.foreign_project, phone="13600005678")
    assert foreign.pk not in ids(Api(callers.desk).get("residents", search="5678"))


def test_the_reading_of_a_search_text():
    assert caller_lookup("1栋-103").building == "1" and caller_lookup("1栋-103").room == "103"
    assert caller_lookup("A座1201").building == "A" and caller_lookup("A座1201").room == "1201"
    assert caller_lookup("+86 138-0000-5678").phone == "13800005678"
    assert caller_lookup("5678").phone_tail == "5678" and caller_lookup("5678").room == "5678"
    assert caller_lookup("王小明").room is None and caller_lookup("王小明").phone_tail is None


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text")
def test_the_searches_are_index_lookups_not_scans(callers):
    """At 200,000 units a scan of units or residents is what makes a search slow: every search by
    room or tail is answered through an index (unit number, resident phone tail)."""
    company = callers.company.pk
    units = _plan(Unit.objects.filter(company_id=company).filter(unit_search("1-103")))
    assert "unit_company_number_idx" in units and "SCAN estates_unit" not in units, units
    tail = _plan(Resident.objects.filter(company_id=company).filter(resident_search("5678")))
    assert "resident_phone_tail_idx" in tail and "SCAN estates_resident" not in tail, tail
    by_tail = _plan(Unit.objects.filter(company_id=company).filter(unit_search("5678")))
    assert "resident_phone_tail_idx" in by_tail and "SCAN estates_unit" not in by_tail, by_tail
    rooms = _plan(Resident.objects.filter(company_id=company).filter(resident_search("1栋-103")))
    assert "unit_number_idx" in rooms and "SCAN" not in rooms, rooms


def test_the_request_search_finds_the_callers_requests_by_tail_and_room(callers):
    from guanjia.tickets import services as ticket_services

    mine = ticket_services.ticket_create(
        actor=callers.desk,
        data={
            "kind": "home_repair",
            "unit_id": callers.u1.pk,
            "resident_id": callers.wang.pk,
            "description": "厨房漏水",
        },
    )
    other = ticket_services.ticket_create(
        actor=callers.desk, data={"kind": "home_repair", "unit_id": callers.u2.pk, "description": "门锁坏了"}
    )
    for text in ("5678", "1-103", "1栋-103", "1栋103"):
        assert ids(Api(callers.desk).get("tickets", search=text)) == {mine.pk}, text
    assert ids(Api(callers.desk).get("tickets", search="103")) == {mine.pk, other.pk}
    assert web_ids(callers.desk, "/tickets/", search="1-103") == {mine.pk}
