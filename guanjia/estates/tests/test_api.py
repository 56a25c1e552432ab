"""Every estates resource runs the scoping battery, plus the rules particular to it."""

import pytest

from guanjia.estates.models import Occupancy, Resident, Unit
from guanjia.testing import factories as f
from guanjia.testing.api import Api, ScopedResourceBattery, ids

pytestmark = pytest.mark.django_db


class TestProjects(ScopedResourceBattery):
    resource = "projects"
    writer = "admin"
    update_payload = {"address": "浦东新区新地址1号"}
    resident_sees_own = True

    def make(self, world, project):
        return project

    def create_payload(self, world):
        return {"name": "新项目", "code": "XM", "kind": "office", "city": "上海"}

    def own_of(self, world):
        return world.project

    def hidden_from_other_resident(self, world):
        return world.sibling_project


class TestBuildings(ScopedResourceBattery):
    resource = "buildings"
    update_payload = {"note": "东侧"}
    resident_sees_own = True

    def make(self, world, project):
        return f.BuildingFactory(project=project)

    def create_payload(self, world):
        return {"project_id": world.project.pk, "name": "9栋", "floors_above": 30}

    def own_of(self, world):
        return world.building

    def hidden_from_other_resident(self, world):
        return self.make(world, world.sibling_project)


class TestUnits(ScopedResourceBattery):
    resource = "units"
    update_payload = {"status": "renovating"}
    resident_sees_own = True

    def make(self, world, project):
        return f.UnitFactory(building=f.BuildingFactory(project=project), status="vacant")

    def create_payload(self, world):
        return {"building_id": world.building.pk, "floor": 3, "number": "301", "area": "120.55"}

    def own_of(self, world):
        return world.unit


class TestResidents(ScopedResourceBattery):
    resource = "residents"
    update_payload = {"preferred_call_times": "工作日 18:00-20:00"}
    resident_sees_own = True

    def make(self, world, project):
        return f.ResidentFactory(project=project)

    def create_payload(self, world):
        return {"project_id": world.project.pk, "name": "张三", "phone": "13800138000"}

    def own_of(self, world):
        return world.resident


class TestOccupancies(ScopedResourceBattery):
    resource = "occupancies"
    update_payload = {"relation": "tenant"}
    resident_sees_own = True

    def make(self, world, project):
        return f.OccupancyFactory(unit=f.UnitFactory(building=f.BuildingFactory(project=project)))

    def create_payload(self, world):
        resident = f.ResidentFactory(project=world.project)
        return {"resident_id": resident.pk, "unit_id": world.other_unit.pk, "relation": "family"}

    def own_of(self, world):
        return Occupancy.objects.get(resident=world.resident)


def test_unit_area_must_be_a_positive_decimal(world):
    api = Api(world.manager)
    response = api.post(
        "units", {"building_id": world.building.pk, "floor": 1, "number": "101", "area": "abc"}
    )
    assert response.status_code == 422
    assert "area" in response.json()["errors"]
    assert not Unit.objects.filter(number="101").exists()


def test_duplicate_unit_number_in_a_building_is_422(world):
    api = Api(world.manager)
    response = api.post(
        "units", {"building_id": world.building.pk, "floor": 12, "number": "1201", "area": "90"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]


def test_building_of_another_company_is_a_field_error_not_a_leak(world):
    foreign_building = f.BuildingFactory(project=world.foreign_project)
    response = Api(world.manager).post(
        "units", {"building_id": foreign_building.pk, "floor": 1, "number": "1", "area": "50"}
    )
    assert response.status_code == 422
    assert "building_id" in response.json()["errors"]


def test_technician_may_read_but_not_change_units(world):
    api = Api(world.technician)
    assert api.get(f"units/{world.unit.pk}").status_code == 200
    assert api.patch(f"units/{world.unit.pk}", {"status": "vacant"}).status_code == 403
    assert Unit.objects.get(pk=world.unit.pk).status == "occupied"


def test_resident_phone_is_masked_and_search_finds_the_full_number(world):
    resident = f.ResidentFactory(project=world.project, phone="13812341234")
    response = Api(world.desk).get("residents", search="13812341234")
    assert ids(response) == {resident.pk}
    item = response.json()["items"][0]
    assert item["phone_masked"] == "138****1234"
    assert "13812341234" not in response.content.decode()


def test_revealing_a_phone_is_recorded(world):
    from guanjia.core.models import ObjectChange

    resident = f.ResidentFactory(project=world.project, phone="13812341234")
    response = Api(world.desk).post(f"residents/{resident.pk}/reveal-phone")
    assert response.json() == {"phone": "13812341234"}
    entry = ObjectChange.objects.get(object_id=str(resident.pk), action="reveal")
    assert entry.actor == world.desk
    assert Api(world.technician).post(f"residents/{resident.pk}/reveal-phone").status_code == 403


def test_resident_phone_is_normalised_and_validated(world):
    api = Api(world.desk)
    ok = api.post("residents", {"project_id": world.project.pk, "name": "李四", "phone": "+86 139-0000-1111"})
    assert ok.status_code == 201, ok.content
    assert Resident.objects.get(pk=ok.json()["id"]).phone == "13900001111"
    bad = api.post("residents", {"project_id": world.project.pk, "name": "王五", "phone": "12345"})
    assert bad.status_code == 422
    assert "phone" in bad.json()["errors"]


def test_filters_and_ordering(world):
    api = Api(world.manager)
    f.UnitFactory(building=world.building, number="0101", floor=1, status="vacant")
    vacant = api.get("units", building_id=world.building.pk, status="vacant")
    assert all(item["status"] == "vacant" for item in vacant.json()["items"])
    ordered = api.get("units", building_id=world.building.pk, ordering="-floor").json()["items"]
    assert [i["floor"] for i in ordered] == sorted((i["floor"] for i in ordered), reverse=True)
    assert api.get("units", ordering="password").status_code == 422


def test_page_size_is_bounded(world):
    response = Api(world.manager).get("units", page_size=100000)
    assert response.status_code == 422
    assert "page_size" in response.json()["errors"]


def test_deleting_a_lived_in_unit_is_a_conflict(world):
    response = Api(world.manager).delete(f"units/{world.unit.pk}")
    assert response.status_code == 409
    assert Unit.objects.get(pk=world.unit.pk).deleted_at is None


def test_deleting_a_resident_is_soft_and_ends_their_occupancies(world):
    response = Api(world.desk).delete(f"residents/{world.resident.pk}")
    assert response.status_code == 204
    resident = Resident.objects.get(pk=world.resident.pk)
    assert resident.deleted_at is not None
    assert not Occupancy.objects.filter(resident=resident, end_on__isnull=True).exists()


def test_occupancy_makes_a_vacant_unit_occupied(world):
    unit = f.UnitFactory(building=world.building, status="vacant")
    resident = f.ResidentFactory(project=world.project)
    response = Api(world.desk).post("occupancies", {"resident_id": resident.pk, "unit_id": unit.pk})
    assert response.status_code == 201, response.content
    unit.refresh_from_db()
    assert unit.status == "occupied"


def test_occupancy_end_before_start_is_422(world):
    resident = f.ResidentFactory(project=world.project)
    response = Api(world.desk).post(
        "occupancies",
        {
            "resident_id": resident.pk,
            "unit_id": world.unit.pk,
            "start_on": "2025-05-01",
            "end_on": "2025-01-01",
        },
    )
    assert response.status_code == 422


def test_editing_from_a_stale_copy_is_a_409_and_changes_nothing(world):
    api = Api(world.desk)
    etag = api.get(f"residents/{world.resident.pk}")["ETag"]
    api.headers["If-Match"] = etag
    first = api.patch(f"residents/{world.resident.pk}", {"note": "第一位"})
    assert first.status_code == 200
    second = api.patch(f"residents/{world.resident.pk}", {"note": "第二位"})
    assert second.status_code == 409
    assert Resident.objects.get(pk=world.resident.pk).note == "第一位"
    api.headers["If-Match"] = first["ETag"]
    assert api.patch(f"residents/{world.resident.pk}", {"note": "第三位"}).status_code == 200


def test_nul_characters_are_refused_as_invalid_input_naming_the_field(world):
    api = Api(world.desk)
    listed = api.get("residents", search="张\x00三")
    assert listed.status_code == 422
    assert "search" in listed.json()["errors"]
    created = api.post(
        "residents", {"project_id": world.project.pk, "name": "李\x00四", "phone": "13900009999"}
    )
    assert created.status_code == 422
    assert "name" in created.json()["errors"]
