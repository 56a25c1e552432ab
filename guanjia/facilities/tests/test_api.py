"""The facilities API: the scoping battery for each resource, task actions, scans, 403/404/409/422,
and lists whose query count does not grow with the page size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core.models import ObjectChange
from guanjia.facilities import services
from guanjia.facilities.models import (
    Equipment,
    EquipmentCost,
    MaintenancePlan,
    MaintenanceTask,
    PatrolRound,
    PatrolRoute,
)
from guanjia.facilities.services import common
from guanjia.facilities.tests.conftest import at
from guanjia.testing import factories as f
from guanjia.testing.api import Api, ScopedResourceBattery, ids
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _fire_type(world):
    return services.types_ensure(company=world.company)["消防"]


def _item(world, project, name="消防泵"):
    return Equipment.objects.create(
        company=project.company,
        project=project,
        type=_fire_type(world),
        code=f"E-{Equipment.objects.count() + 1}",
        name=name,
        qr_token=services.new_token(),
    )


class TestEquipment(ScopedResourceBattery):
    resource = "equipment"
    update_payload = {"name": "2号消防泵", "status": "out_of_service"}

    def make(self, world, project):
        return _item(world, project)

    def create_payload(self, world):
        return {
            "project_id": world.project.pk,
            "type_id": _fire_type(world).pk,
            "name": "喷淋泵",
            "building_id": world.building.pk,
            "floor": "-1",
            "installed_on": "2020-05-01",
        }


class TestMaintenancePlans(ScopedResourceBattery):
    resource = "maintenance-plans"
    update_payload = {"name": "泵房月检（新）", "rectify_days": 5}

    def make(self, world, project):
        return MaintenancePlan.objects.create(
            company=project.company,
            project=project,
            name="泵房月检",
            equipment_type=_fire_type(world),
            checklist=[{"text": "试启动", "expected": "正常", "kind": "check"}],
            frequency="monthly",
            starts_on=datetime.date(2026, 1, 1),
            generate_from=datetime.date(2026, 1, 1),
        )

    def create_payload(self, world):
        return {
            "project_id": world.project.pk,
            "name": "泵房周检",
            "equipment_id": _item(world, world.project).pk,
            "frequency": "weekly",
            "starts_on": "2026-01-05",
            "checklist": [
                {"text": "无渗漏", "expected": "无"},
                {"text": "压力", "kind": "reading", "unit": "MPa", "min": "0.2", "max": "0.8"},
            ],
        }


class TestPatrolRoutes(ScopedResourceBattery):
    resource = "patrol-routes"
    update_payload = {"name": "夜巡二线", "window_minutes": 90}

    def make(self, world, project):
        route = PatrolRoute.objects.create(
            company=project.company,
            project=project,
            name="夜巡",
            department="security",
            round_times="22:00",
            rounds_from=at(datetime.date(2026, 1, 1)),
        )
        route.checkpoints.create(
            company=project.company, project=project, position=1, name="东门", qr_token=services.new_token()
        )
        return route

    def create_payload(self, world):
        return {
            "project_id": world.project.pk,
            "name": "公区巡查",
            "kind": "common_area",
            "department": "service",
            "round_times": "09:00,15:00",
            "checkpoints": [{"name": "大堂", "building_id": world.building.pk}, {"name": "花园"}],
        }


class TestEquipmentCosts(ScopedResourceBattery):
    resource = "equipment-costs"
    updatable = False
    update_payload = {}

    def make(self, world, project):
        item = _item(world, project)
        return EquipmentCost.objects.create(
            company=project.company,
            project=project,
            equipment=item,
            kind="repair",
            incurred_on=datetime.date(2026, 3, 1),
            amount="1200.00",
        )

    def create_payload(self, world):
        return {
            "equipment_id": _item(world, world.project).pk,
            "kind": "replacement",
            "incurred_on": "2026-04-01",
            "amount": "3500.50",
            "contractor": "某消防工程公司",
            "invoice_no": "No.123",
        }


def test_a_technician_reads_but_cannot_change_the_ledger(world):
    item = _item(world, world.project)
    api = Api(world.technician)
    assert item.pk in ids(api.get("equipment"))
    assert api.patch(f"equipment/{item.pk}", {"name": "x"}).status_code == 403
    assert api.post("equipment", TestEquipment().create_payload(world)).status_code == 403
    assert Equipment.objects.get(pk=item.pk).name == "消防泵"


def test_a_building_of_another_project_is_422(world):
    payload = TestEquipment().create_payload(world) | {
        "building_id": f.BuildingFactory(project=world.sibling_project).pk
    }
    response = Api(world.admin).post("equipment", payload)
    assert response.status_code == 422
    assert "building_id" in response.json()["errors"]


def test_stale_if_match_is_409(world):
    item = _item(world, world.project)
    api = Api(world.manager)
    tag = api.get(f"equipment/{item.pk}")["ETag"]
    assert (
        api.client.patch(
            f"/api/v1/equipment/{item.pk}",
            data={"name": "A"},
            content_type="application/json",
            headers={**api.headers, "If-Match": tag},
        ).status_code
        == 200
    )
    assert (
        api.client.patch(
            f"/api/v1/equipment/{item.pk}",
            data={"name": "B"},
            content_type="application/json",
            headers={**api.headers, "If-Match": tag},
        ).status_code
        == 409
    )


def test_plan_checklist_errors_name_the_line(world):
    payload = TestMaintenancePlans().create_payload(world)
    payload["checklist"][1] |= {"min": "5", "max": "1"}
    response = Api(world.manager).post("maintenance-plans", payload)
    assert response.status_code == 422
    assert "checklist.1.max" in response.json()["errors"]
    assert not MaintenancePlan.objects.exists()


def test_fire_defaults_via_api_are_applied_once(world):
    _item(world, world.project)
    api = Api(world.manager)
    first = api.post(
        "maintenance-plans/fire-defaults", {"project_id": world.project.pk, "starts_on": "2026-01-01"}
    )
    assert first.status_code == 201, first.content
    assert [p["frequency"] for p in first.json()] == ["weekly", "monthly", "half_yearly", "yearly"]
    again = api.post("maintenance-plans/fire-defaults", {"project_id": world.project.pk})
    assert [p["id"] for p in again.json()] == [p["id"] for p in first.json()]
    assert Api(world.sibling_desk).post(
        "maintenance-plans/fire-defaults", {"project_id": world.project.pk}
    ).status_code in (403, 404)


def test_task_actions_over_the_api(world):
    from guanjia.tickets import services as ticket_services

    ticket_services.company_defaults_ensure(company=world.company)
    item = _item(world, world.project)
    response = Api(world.manager).post(
        "maintenance-plans",
        TestMaintenancePlans().create_payload(world)
        | {
            "equipment_id": item.pk,
            "starts_on": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    task = MaintenanceTask.objects.get(plan_id=response.json()["id"], period_start__lte=datetime.date.today())
    tech = Api(world.technician)
    assert tech.post(f"maintenance-tasks/{task.pk}/complete", {"results": []}).status_code == 409
    bad = tech.post(f"maintenance-tasks/{task.pk}/start", {"code": "nope"})
    assert bad.status_code == 422 and "code" in bad.json()["errors"]
    assert tech.post(f"maintenance-tasks/{task.pk}/start", {"code": item.qr_token}).status_code == 200
    missing = tech.post(
        f"maintenance-tasks/{task.pk}/complete", {"results": [{"position": 1, "result": "pass"}]}
    )
    assert missing.status_code == 422 and "results.1" in missing.json()["errors"]
    done = tech.post(
        f"maintenance-tasks/{task.pk}/complete",
        {
            "results": [{"position": 1, "result": "pass"}, {"position": 2, "reading": "1.5"}],
            "note": "压力偏高",
        },
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "done" and body["failed_lines"] == 1
    ticket = Ticket.objects.get()
    assert body["results"][1]["repair_ticket_id"] == ticket.pk and body["results"][1]["result"] == "fail"
    assert tech.post(f"maintenance-tasks/{task.pk}/complete", {"results": []}).status_code == 409
    assert Api(world.sibling_desk).get(f"maintenance-tasks/{task.pk}").status_code == 404
    assert (
        Api(world.foreign_admin)
        .post(f"maintenance-tasks/{task.pk}/start", {"code": item.qr_token})
        .status_code
        == 404
    )
    assert Api(world.desk).post(f"maintenance-tasks/{task.pk}/assign", {"assignee_id": 1}).status_code in (
        403,
        409,
    )
    assert ObjectChange.objects.filter(
        content_type__model="maintenancetask", object_id=str(task.pk), source="api"
    ).exists()
    overdue = tech.get("maintenance-tasks", overdue="false", project_id=world.project.pk)
    assert task.pk in ids(overdue)


def test_round_scans_over_the_api(world):
    route = TestPatrolRoutes().make(world, world.project)
    now = common._now()
    patrol = PatrolRound.objects.create(
        company=world.company,
        project=world.project,
        route=route,
        window_start=now - datetime.timedelta(minutes=10),
        window_end=now + datetime.timedelta(minutes=50),
        checkpoint_count=1,
    )
    point = route.checkpoints.get()
    tech = Api(world.technician)
    scanned = tech.post(f"patrol-rounds/{patrol.pk}/scans", {"code": point.qr_token})
    assert scanned.status_code == 201, scanned.content
    assert scanned.json()["in_window"] and scanned.json()["in_order"]
    assert tech.post(f"patrol-rounds/{patrol.pk}/scans", {"code": point.qr_token}).status_code == 409
    assert tech.post(f"patrol-rounds/{patrol.pk}/scans", {"code": "x"}).status_code == 422
    assert [s["checkpoint_id"] for s in tech.get(f"patrol-rounds/{patrol.pk}/scans").json()] == [point.pk]
    assert tech.get(f"patrol-rounds/{patrol.pk}").json()["status"] == "completed"
    assert (
        Api(world.sibling_desk).post(f"patrol-rounds/{patrol.pk}/scans", {"code": point.qr_token}).status_code
        == 404
    )
    assert Api(world.resident_user).get("patrol-rounds").status_code == 403


@pytest.mark.parametrize("resource", ["equipment", "maintenance-tasks", "patrol-routes", "maintenance-plans"])
def test_list_queries_do_not_grow_with_the_page(world, resource):
    from guanjia.tickets import services as ticket_services

    ticket_services.company_defaults_ensure(company=world.company)
    api = Api(world.manager)

    def fill(n):
        for _i in range(n):
            item = _item(world, world.project)
            plan = TestMaintenancePlans().make(world, world.project)
            plan.equipment, plan.equipment_type = item, None
            plan.save()
            services.generate_for_plan(plan, now=at(datetime.date(2026, 1, 2)))
            TestPatrolRoutes().make(world, world.project)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(resource, page_size=200).status_code == 200
        return len(ctx)

    fill(2)
    count()  # warm-up: caches that fill once per process
    few = count()
    fill(8)
    assert count() == few
