import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core.models import ObjectChange
from guanjia.emergencies.choices import IncidentStatus
from guanjia.emergencies.models import Drill, EmergencyPlan, Incident, Statement
from guanjia.emergencies.tests.conftest import open_fire
from guanjia.facilities.models import MaintenanceTask
from guanjia.testing.api import Api, ids, snapshot

pytestmark = pytest.mark.django_db


def fire_payload(w, **extra):
    return {
        "project_id": w.project.pk,
        "kind": "fire",
        "level": 1,
        "building_id": w.building.pk,
        "floor_from": 12,
        "description": "12楼走廊冒烟",
        **extra,
    }


def test_open_from_the_api_runs_the_chain_and_is_journaled(ew):
    response = Api(ew.control.user).post("incidents", fire_payload(ew))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["plan_version"] == 1 and body["status"] == "open" and body["place"] == "1栋 12层"
    assert {s["name"] for s in body["summonses"]} >= {"中控值班员", "消防主管", "项目经理"}
    assert sum(1 for c in body["checklist"] if c["position"] == "control_room") == 10
    change = ObjectChange.objects.get(content_type__model="incident", object_id=str(body["id"]))
    assert change.source == "api" and change.actor == ew.control.user


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "flood"}, "kind"),
        ({"level": 5}, "level"),
        ({"description": ""}, "description"),
        ({"project_id": 0}, "project_id"),
        ({"floor_from": 40}, "floor_from"),
    ],
)
def test_bad_input_is_422_naming_the_field(ew, change, field):
    response = Api(ew.control.user).post("incidents", fire_payload(ew, **change))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Incident.objects.exists()


def test_another_project_another_company_and_residents_cannot_see_incidents(ew):
    incident = open_fire(ew)
    for intruder in (ew.sibling_desk, ew.foreign_admin):
        api = Api(intruder)
        assert incident.pk not in ids(api.get("incidents"))
        assert api.get(f"incidents/{incident.pk}").status_code == 404
        assert api.get(f"incidents/{incident.pk}/log").status_code == 404
        before = snapshot(incident)
        assert api.post(f"incidents/{incident.pk}/level", {"level": 3}).status_code == 404
        assert snapshot(incident) == before
    # A foreign project may not be named, and 404 looks like a missing id.
    assert Api(ew.foreign_admin).get("incidents/999999").status_code == 404
    resident = Api(ew.resident_user)
    assert resident.get("incidents").status_code == 403
    assert resident.get(f"incidents/{incident.pk}").status_code == 403
    assert resident.post("incidents", fire_payload(ew)).status_code == 403
    assert Api().get("incidents").status_code == 401


def test_actions_through_the_api(ew):
    incident = open_fire(ew)
    control, gm = Api(ew.control.user), Api(ew.manager)
    assert control.post(f"incidents/{incident.pk}/acknowledge").status_code == 200
    assert control.post(f"incidents/{incident.pk}/acknowledge").status_code == 409
    item = incident.checklist.filter(position="control_room").first()
    response = control.post(f"incidents/{incident.pk}/check", {"item_id": item.pk})
    assert response.status_code == 200
    assert next(c for c in response.json()["checklist"] if c["id"] == item.pk)["done_at"]
    assert Api(ew.desk).post(f"incidents/{incident.pk}/level", {"level": 2}).status_code == 403
    assert control.post(f"incidents/{incident.pk}/level", {"level": 2}).status_code == 200
    assert control.post(f"incidents/{incident.pk}/nonsense").status_code == 422
    # Closing too early: 409 naming what is missing.
    response = gm.post(f"incidents/{incident.pk}/close")
    assert response.status_code == 409 and "尚未转入善后" in response.json()["detail"]
    assert gm.post(f"incidents/{incident.pk}/aftermath").json()["calls_pending"] == 2
    response = gm.post(f"incidents/{incident.pk}/close")
    assert response.status_code == 409 and "2 户住户尚未回访" in response.json()["detail"]
    # The statement: only the GM, only once.
    assert Api(ew.admin).post(f"incidents/{incident.pk}/statement", {"body": "声明"}).status_code == 403
    assert (
        gm.post(f"incidents/{incident.pk}/statement", {"body": "小火已扑灭"}).json()["statement"]
        == "小火已扑灭"
    )
    assert gm.post(f"incidents/{incident.pk}/statement", {"body": "再发"}).status_code == 409
    # The log.
    assert control.post(f"incidents/{incident.pk}/log", {"text": "消防车已到"}).status_code == 201
    log = control.get(f"incidents/{incident.pk}/log").json()["items"]
    assert log[0]["text"] == "消防车已到" and {e["kind"] for e in log} >= {"opened", "ack", "check", "level"}
    assert control.post(f"incidents/{incident.pk}/log", {"text": ""}).status_code == 422


def test_residents_see_only_the_official_statement_of_their_project(ew):
    incident = open_fire(ew)
    Api(ew.manager).post(f"incidents/{incident.pk}/statement", {"body": "小火已扑灭"})
    listed = Api(ew.resident_user).get("emergency-statements")
    assert listed.status_code == 200
    assert [s["body"] for s in listed.json()["items"]] == ["小火已扑灭"]
    assert Api(ew.foreign_admin).get("emergency-statements").json()["items"] == []
    assert Statement.objects.count() == 1


def test_plans_are_edited_into_new_versions(ew):
    api = Api(ew.manager)
    plan = api.get(f"emergency-plans/{ew.fire.pk}").json()
    content = plan["content"]
    content["duties"]["control_room"].append("通知物业公司总值班")
    response = api.patch(f"emergency-plans/{ew.fire.pk}", {"content": content})
    assert response.status_code == 200 and response.json()["version"] == 2
    bad = dict(content, levels=[])
    response = api.patch(f"emergency-plans/{ew.fire.pk}", {"content": bad})
    assert response.status_code == 422 and "content" in response.json()["errors"]
    assert Api(ew.control.user).patch(f"emergency-plans/{ew.fire.pk}", {"name": "x"}).status_code == 403
    assert (
        api.post("emergency-plans", {"kind": "fire", "name": "又一个", "content": content}).status_code == 409
    )
    open_fire(ew)
    assert api.delete(f"emergency-plans/{ew.fire.pk}").status_code == 409
    assert ew.fire.pk not in ids(Api(ew.foreign_admin).get("emergency-plans"))
    assert Api(ew.foreign_admin).get(f"emergency-plans/{ew.fire.pk}").status_code == 404
    assert EmergencyPlan.objects.get(pk=ew.fire.pk).version == 2


def test_incident_list_queries_do_not_grow_with_the_page(ew):
    api = Api(ew.admin)
    open_fire(ew)
    api.get("incidents")  # warm: the token's first use
    with CaptureQueriesContext(connection) as one:
        assert api.get("incidents").status_code == 200
    for _ in range(5):
        open_fire(ew)
    with CaptureQueriesContext(connection) as six:
        response = api.get("incidents")
    assert len(response.json()["items"]) == 6
    assert len(six) == len(one)
    assert Incident.objects.filter(status=IncidentStatus.OPEN).count() == 6


# --- drills ------------------------------------------------------------------------------------


def test_a_fire_drill_is_planned_run_and_linked_through_the_api(fire_tests):
    w = fire_tests
    manager = Api(w.manager)
    planned = manager.post(
        "drills",
        {"project_id": w.project.pk, "plan_id": w.fire.pk, "planned_for": "2026-03-20", "note": "全员"},
    )
    assert planned.status_code == 201, planned.content
    drill = planned.json()
    assert drill["kind"] == "fire" and drill["plan_name"] == w.fire.name and drill["status"] == "planned"
    assert drill["fire_test_id"] == w.yearly[0].pk  # the year's whole-system test, by default
    assert drill["incident_id"] is None and drill["level"] == 2

    assert [d["id"] for d in manager.get("drills", year=2026, project_id=w.project.pk).json()["items"]] == [
        drill["id"]
    ]
    assert manager.get("drills", year=2025).json()["items"] == []
    assert Api(w.desk).get(f"drills/{drill['id']}").status_code == 200
    assert Api(w.sibling_desk).get(f"drills/{drill['id']}").status_code == 404
    assert drill["id"] not in ids(Api(w.sibling_desk).get("drills"))

    linked = manager.post(f"drills/{drill['id']}/fire-test", {"fire_test_id": w.yearly[1].pk})
    assert linked.status_code == 200 and linked.json()["fire_test_id"] == w.yearly[1].pk
    weekly = MaintenanceTask.objects.filter(project=w.project, plan__template="fire_weekly").first()
    refused = manager.post(f"drills/{drill['id']}/fire-test", {"fire_test_id": weekly.pk})
    assert refused.status_code == 422 and "fire_test_id" in refused.json()["errors"]

    started = manager.post(f"drills/{drill['id']}/start", {"location": "地下车库"})
    assert started.status_code == 200, started.content
    run = started.json()
    assert run["status"] == "running" and run["incident_id"]
    incident = Api(w.manager).get(f"incidents/{run['incident_id']}").json()
    assert incident["is_drill"] is True and incident["kind"] == "fire" and incident["location"] == "地下车库"
    again = manager.post(f"drills/{drill['id']}/start", {})
    assert again.status_code == 409
    assert Incident.objects.filter(is_drill=True).count() == 1


def test_planning_drills_needs_the_right_and_names_bad_fields(fire_tests):
    w = fire_tests
    payload = {"project_id": w.project.pk, "plan_id": w.power.pk, "planned_for": "2026-04-01"}
    assert Api(w.desk).post("drills", payload).status_code == 403
    manager = Api(w.manager)
    for field, value in (("planned_for", "2026-13-01"), ("level", 4), ("plan_id", "x")):
        response = manager.post("drills", {**payload, field: value})
        assert response.status_code == 422 and field in response.json()["errors"], (field, response.content)
    foreign_plan = EmergencyPlan.objects.filter(company=w.other_company).first()
    response = manager.post("drills", {**payload, "plan_id": foreign_plan.pk})
    assert response.status_code == 422 and "plan_id" in response.json()["errors"]
    not_fire = manager.post("drills", {**payload, "fire_test_id": w.yearly[0].pk})
    assert not_fire.status_code == 422 and "fire_test_id" in not_fire.json()["errors"]
    assert not Drill.objects.exists()
    assert Api(w.resident_user).get("drills").status_code == 403
    assert Api().get("drills").status_code == 401


def test_drill_figures_per_project_the_caller_sees(fire_tests):
    w = fire_tests
    Api(w.manager).post(
        "drills", {"project_id": w.project.pk, "plan_id": w.fire.pk, "planned_for": "2099-03-20"}
    )
    rows = {r["project_id"]: r for r in Api(w.hq).get("drill-figures", year=2026).json()}
    assert {w.project.pk, w.sibling_project.pk} <= set(rows)
    mine = rows[w.project.pk]
    assert mine["planned"] == 1 and mine["done"] == 0 and mine["fire_due"] is True
    assert mine["fire_test_total"] == 2 and mine["fire_test_complete"] is False
    assert [r["project_id"] for r in Api(w.desk).get("drill-figures").json()] == [w.project.pk]
    assert w.project.pk not in {r["project_id"] for r in Api(w.foreign_admin).get("drill-figures").json()}
    assert Api(w.hq).get("drill-figures", year=1999).status_code == 422
