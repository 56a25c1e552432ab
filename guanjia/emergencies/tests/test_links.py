"""Issue 8 follow-ups: incidents ↔ equipment ledger, drills ↔ the yearly fire-system test, photos
through the log API, the command-post list in constant queries, the per-level plan form."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from guanjia.core.models import ObjectChange
from guanjia.core.roles import Role
from guanjia.emergencies import selectors, services
from guanjia.emergencies.choices import DrillStatus, LogKind, Position
from guanjia.emergencies.models import Drill, IncidentEquipment, IncidentLog
from guanjia.emergencies.tests.conftest import DAY, open_fire
from guanjia.facilities.choices import TaskStatus
from guanjia.facilities.models import MaintenanceTask
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


# --- 1. incidents ↔ equipment -------------------------------------------------------------------


def test_opening_links_equipment_of_the_project_only(items):
    w = items
    with pytest.raises(Exception) as exc:
        open_fire(w, equipment_ids=[w.pump.pk, w.sibling_pump.pk])
    assert "equipment_ids" in exc.value.message_dict
    with pytest.raises(Exception) as exc:
        open_fire(w, equipment_ids=[w.foreign_pump.pk])
    assert "equipment_ids" in exc.value.message_dict
    assert not IncidentEquipment.objects.exists()  # nothing half-saved
    incident = open_fire(w, equipment_ids=[w.pump.pk, w.pump.pk], equipment_involved="临时发电机（租赁）")
    assert list(incident.equipment_links.values_list("equipment_id", flat=True)) == [w.pump.pk]
    assert incident.equipment_involved == "临时发电机（租赁）"
    assert IncidentLog.objects.filter(incident=incident, kind=LogKind.EQUIPMENT).count() == 1
    link = incident.equipment_links.get()
    assert ObjectChange.objects.filter(
        content_type__model="incidentequipment", object_id=str(link.pk)
    ).exists()


def test_linking_later_and_unlinking(items):
    w = items
    incident = open_fire(w)
    services.incident_link_equipment(
        actor=w.control.user, incident=incident, equipment_id=w.fan.pk, note="不转"
    )
    with pytest.raises(Exception) as exc:
        services.incident_link_equipment(actor=w.control.user, incident=incident, equipment_id=w.fan.pk)
    assert "equipment_id" in exc.value.message_dict
    with pytest.raises(Exception) as exc:
        services.incident_link_equipment(
            actor=w.control.user, incident=incident, equipment_id=w.sibling_pump.pk
        )
    assert "equipment_id" in exc.value.message_dict
    panel = selectors.incident_panel(incident, w.control.user)
    assert [link.equipment_id for link in panel["equipment"]] == [w.fan.pk]
    assert [e.pk for e in selectors.equipment_choices(incident, w.control.user)] == [w.pump.pk]
    services.incident_unlink_equipment(actor=w.control.user, incident=incident, equipment_id=w.fan.pk)
    assert not incident.equipment_links.exists()


def test_api_opens_with_equipment_and_links_later(items):
    w = items
    api = Api(w.control.user)
    base = {"project_id": w.project.pk, "kind": "fire", "level": 1, "description": "泵房漏水"}
    bad = api.post("incidents", {**base, "equipment_ids": [w.sibling_pump.pk]})
    assert bad.status_code == 422 and "equipment_ids" in bad.content.decode()
    response = api.post("incidents", {**base, "equipment_ids": [w.pump.pk]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [e["equipment_id"] for e in body["equipment"]] == [w.pump.pk]
    url = f"incidents/{body['id']}/link_equipment"
    out = api.post(url, {"equipment_id": w.foreign_pump.pk})
    assert out.status_code == 422 and "equipment_id" in out.content.decode()
    ok = api.post(url, {"equipment_id": w.fan.pk, "note": "风机未启动"})
    assert ok.status_code == 200
    assert {e["code"] for e in ok.json()["equipment"]} == {w.pump.code, w.fan.code}
    gone = api.post(f"incidents/{body['id']}/unlink_equipment", {"equipment_id": w.fan.pk})
    assert gone.status_code == 200 and len(gone.json()["equipment"]) == 1


def test_incident_page_picker_and_equipment_phone_page(items):
    w = items
    incident = open_fire(w)
    c = client_for(w.control.user)
    page = c.get(f"/emergencies/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="equipment-picker"' in page and w.pump.name in page
    assert w.sibling_pump.name not in page
    bad = c.post(f"/emergencies/incidents/{incident.pk}/equipment/", {"equipment_id": w.sibling_pump.pk})
    assert bad.status_code == 302 and not incident.equipment_links.exists()
    c.post(f"/emergencies/incidents/{incident.pk}/equipment/", {"equipment_id": w.pump.pk, "note": "泵故障"})
    assert incident.equipment_links.get().equipment == w.pump
    page = c.get(f"/emergencies/incidents/{incident.pk}/").content.decode()
    assert f'href="/facilities/equipment/{w.pump.pk}/"' in page
    phone = client_for(w.manager).get(f"/facilities/equipment/{w.pump.pk}/").content.decode()
    assert 'data-testid="equipment-incidents"' in phone
    assert f'href="/emergencies/incidents/{incident.pk}/"' in phone and "泵故障" in phone
    other = client_for(w.manager).get(f"/facilities/equipment/{w.fan.pk}/").content.decode()
    assert f'href="/emergencies/incidents/{incident.pk}/"' not in other


def test_open_form_takes_ledger_equipment(items):
    w = items
    c = client_for(w.control.user)
    data = {"kind": "fire", "level": 1, "project_id": w.project.pk, "description": "冒烟"}
    bad = c.post("/emergencies/open/", {**data, "equipment_ids": [w.sibling_pump.pk]})
    assert bad.status_code == 422 and 'data-field="equipment_ids"' in bad.content.decode()
    ok = c.post("/emergencies/open/", {**data, "equipment_ids": [w.pump.pk]})
    assert ok.status_code == 302
    assert IncidentEquipment.objects.get().equipment == w.pump


# --- 2. drills ↔ yearly fire-system test ---------------------------------------------------------


def test_planning_a_fire_drill_links_the_yearly_test(fire_tests):
    w = fire_tests
    drill = services.drill_plan(
        actor=w.manager, data={"project_id": w.project.pk, "plan_id": w.fire.pk, "planned_for": DAY.date()}
    )
    assert drill.fire_test == w.yearly[0]
    chosen = services.drill_plan(
        actor=w.manager,
        data={
            "project_id": w.project.pk,
            "plan_id": w.fire.pk,
            "planned_for": DAY.date(),
            "fire_test_id": w.yearly[1].pk,
        },
    )
    assert chosen.fire_test == w.yearly[1]
    sibling_task = MaintenanceTask.objects.filter(
        project=w.sibling_project, plan__template="fire_yearly"
    ).first()
    weekly = MaintenanceTask.objects.filter(project=w.project, plan__template="fire_weekly").first()
    for task_id, plan in ((sibling_task.pk, w.fire), (weekly.pk, w.fire), (w.yearly[0].pk, w.power)):
        with pytest.raises(Exception) as exc:
            services.drill_plan(
                actor=w.manager,
                data={
                    "project_id": w.project.pk,
                    "plan_id": plan.pk,
                    "planned_for": DAY.date(),
                    "fire_test_id": task_id,
                },
            )
        assert "fire_test_id" in exc.value.message_dict
    power = services.drill_plan(
        actor=w.manager, data={"project_id": w.project.pk, "plan_id": w.power.pk, "planned_for": DAY.date()}
    )
    assert power.fire_test is None
    services.drill_link_fire_test(actor=w.manager, drill=drill, task_id=None)
    drill.refresh_from_db()
    assert drill.fire_test is None
    assert ObjectChange.objects.filter(content_type__model="drill", object_id=str(drill.pk)).count() >= 2


def test_drill_page_shows_the_test_and_its_state(fire_tests):
    w = fire_tests
    drill = services.drill_plan(
        actor=w.manager, data={"project_id": w.project.pk, "plan_id": w.fire.pk, "planned_for": DAY.date()}
    )
    c = client_for(w.manager)
    page = c.get(f"/emergencies/drills/{drill.pk}/").content.decode()
    assert (
        'data-testid="fire-test-status"' in page and "待执行" in page and w.yearly[0].equipment.code in page
    )
    bad = c.post(f"/emergencies/drills/{drill.pk}/", {"task_id": 999999})
    assert bad.status_code == 422
    ok = c.post(f"/emergencies/drills/{drill.pk}/", {"task_id": w.yearly[1].pk})
    assert ok.status_code == 302
    drill.refresh_from_db()
    assert drill.fire_test == w.yearly[1]
    MaintenanceTask.objects.filter(pk=w.yearly[1].pk).update(status=TaskStatus.DONE)
    page = c.get(f"/emergencies/drills/{drill.pk}/").content.decode()
    assert "已完成" in page
    assert client_for(w.sibling_desk).get(f"/emergencies/drills/{drill.pk}/").status_code in (403, 404)


def test_figures_show_fire_drill_and_fire_test_per_project(fire_tests):
    w = fire_tests
    rows = {r["project"].pk: r for r in selectors.drill_figures(w.hq, DAY.year)}
    mine = rows[w.project.pk]
    assert (mine["fire_drill_done"], mine["fire_test_total"], mine["fire_test_done"]) == (False, 2, 0)
    assert not mine["fire_test_complete"]
    drill = services.drill_plan(
        actor=w.manager, data={"project_id": w.project.pk, "plan_id": w.fire.pk, "planned_for": DAY.date()}
    )
    Drill.objects.filter(pk=drill.pk).update(status=DrillStatus.DONE)
    MaintenanceTask.objects.filter(pk__in=[t.pk for t in w.yearly]).update(status=TaskStatus.DONE)
    rows = {r["project"].pk: r for r in selectors.drill_figures(w.hq, DAY.year)}
    assert rows[w.project.pk]["fire_drill_done"] and rows[w.project.pk]["fire_test_complete"]
    assert not rows[w.sibling_project.pk]["fire_drill_done"]
    assert rows[w.sibling_project.pk]["fire_test_total"] == 1
    assert not rows[w.sibling_project.pk]["fire_test_complete"]
    page = client_for(w.hq).get(f"/emergencies/drills/?year={DAY.year}").content.decode()
    assert 'data-testid="fire-test-done"' in page and "0/1" in page


# --- 3. photos through the log API ---------------------------------------------------------------


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_log_api_takes_photos_as_multipart(ew):
    incident = open_fire(ew)
    api = Api(ew.control.user)
    url = f"/api/v1/incidents/{incident.pk}/log"
    photo = SimpleUploadedFile("fire.jpg", _jpeg(), content_type="image/jpeg")
    response = api.client.post(url, {"text": "现场照片", "photo": photo}, headers=api.headers)
    assert response.status_code == 201, response.content
    assert response.json()["has_photo"] and response.json()["kind"] == "photo"
    entry = IncidentLog.objects.get(pk=response.json()["id"])
    assert entry.image and entry.thumbnail
    evidence = SimpleUploadedFile("e.jpg", _jpeg(), content_type="image/jpeg")
    response = api.client.post(url, {"photo": evidence, "evidence": "true"}, headers=api.headers)
    assert response.status_code == 201 and response.json()["kind"] == "evidence"
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    before = IncidentLog.objects.count()
    bad = api.client.post(url, {"text": "x", "photo": fake}, headers=api.headers)
    assert bad.status_code == 422 and "photo" in bad.content.decode()
    assert IncidentLog.objects.count() == before
    empty = api.client.post(url, {"text": ""}, headers=api.headers)
    assert empty.status_code == 422 and "text" in empty.content.decode()
    # A JSON note still works.
    assert api.post(f"incidents/{incident.pk}/log", {"text": "消防车已到"}).status_code == 201


# --- 4. command-post list in constant queries ----------------------------------------------------


def _post_for(world, project, n):
    staff = [f.make_staff(company=world.company, roles=[Role.SECURITY], projects=[project]) for _ in range(n)]
    post = services.post_ensure(actor=world.admin, project=project)
    for s in staff:
        services.member_add(
            actor=world.admin, post=post, data={"position": Position.CONTROL_ROOM, "staff_id": s.pk}
        )
    return post


def test_command_post_list_runs_a_constant_number_of_queries(ew):
    c = client_for(ew.hq)
    c.get("/emergencies/posts/")
    with CaptureQueriesContext(connection) as few:
        assert c.get("/emergencies/posts/").status_code == 200
    _post_for(ew, ew.sibling_project, 2)
    for i in range(3):
        _post_for(ew, f.ProjectFactory(company=ew.company, name=f"新项目{i}", code=f"NP{i}"), 2)
    with CaptureQueriesContext(connection) as many:
        body = c.get("/emergencies/posts/").content.decode()
    assert body.count('href="/emergencies/posts/') >= 5
    assert len(many) == len(few)


# --- 5. per-level plan form ----------------------------------------------------------------------


def _form_data(c, plan):
    form = c.get(f"/emergencies/plans/{plan.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["is_active"] = "on"
    for n in (1, 2, 3):
        if not data.pop(f"level_{n}_notify_hq"):
            continue
        data[f"level_{n}_notify_hq"] = "on"
    return data


def test_plan_levels_are_edited_per_level_with_field_errors(ew):
    c = client_for(ew.manager)
    page = c.get(f"/emergencies/plans/{ew.fire.pk}/edit/").content.decode()
    assert 'name="level_2_responders"' in page and 'name="level_1_decides"' in page
    assert "font-monospace" not in page  # no JSON textarea
    data = _form_data(c, ew.fire)
    bad = dict(data, level_2_responders=[], level_3_condition="")
    response = c.post(f"/emergencies/plans/{ew.fire.pk}/edit/", bad)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "level_2_responders" in errors and "level_3_condition" in errors
    bad = dict(data, level_1_decides="nobody")
    assert c.post(f"/emergencies/plans/{ew.fire.pk}/edit/", bad).status_code == 422
    ew.fire.refresh_from_db()
    assert ew.fire.version == 1
    good = dict(
        data,
        level_1_responders=[Position.CONTROL_ROOM, Position.FIRE_FIGHTING],
        level_1_condition="小火情，灭火器可扑灭",
        level_2_notify_hq="on",
    )
    response = c.post(f"/emergencies/plans/{ew.fire.pk}/edit/", good)
    assert response.status_code == 302, response.content.decode()[:1500]
    ew.fire.refresh_from_db()
    level1 = ew.fire.level(1)
    assert ew.fire.version == 2
    assert level1["responders"] == [Position.CONTROL_ROOM, Position.FIRE_FIGHTING]
    assert level1["condition"] == "小火情，灭火器可扑灭" and ew.fire.level(2)["notify_hq"] is True
    assert ew.fire.level(3)["decides"] == "company"
