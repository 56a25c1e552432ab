import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanjia.core.models import ObjectChange
from guanjia.emergencies import services
from guanjia.emergencies.choices import IncidentStatus, Position
from guanjia.emergencies.models import Drill, Incident, SupportingDocument
from guanjia.emergencies.tests.conftest import DAY, open_fire

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_open_an_incident_from_the_phone_form(ew):
    c = client_for(ew.control.user)
    assert c.get("/emergencies/open/").status_code == 200
    bad = c.post(
        "/emergencies/open/", {"kind": "fire", "level": 1, "project_id": ew.project.pk, "description": ""}
    )
    assert bad.status_code == 422 and 'data-field="description"' in bad.content.decode()
    response = c.post(
        "/emergencies/open/",
        {
            "kind": "fire",
            "level": 1,
            "project_id": ew.project.pk,
            "building_id": ew.building.pk,
            "floor_from": 12,
            "description": "12楼冒烟",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/emergencies/incidents/{incident.pk}/"
    page = c.get(response.url).content.decode()
    assert 'data-testid="my-checklist"' in page and 'data-testid="ack"' in page
    assert "立即用对讲机通知附近区域的保卫人员" in page


def test_the_control_room_works_its_checklist_on_the_page(ew):
    incident = open_fire(ew)
    c = client_for(ew.control.user)
    item = incident.checklist.get(position=Position.CONTROL_ROOM, order=1)
    response = c.post(f"/emergencies/incidents/{incident.pk}/tick/", {"item_id": item.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.done_at is not None
    # The live fragment (htmx polling) shows the progress.
    live = c.get(f"/emergencies/incidents/{incident.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert live.startswith('\n<div id="incident-live"') or 'id="incident-live"' in live[:200]
    assert "1/10" in live
    # A refused action says why and changes nothing.
    c.post(f"/emergencies/incidents/{incident.pk}/tick/", {"item_id": item.pk})
    page = c.get(f"/emergencies/incidents/{incident.pk}/").content.decode()
    assert "该项已完成" in page


def test_others_cannot_see_the_incident(ew):
    incident = open_fire(ew)
    assert client_for(ew.sibling_desk).get(f"/emergencies/incidents/{incident.pk}/").status_code == 404
    assert client_for(ew.foreign_admin).get(f"/emergencies/incidents/{incident.pk}/").status_code == 404
    assert client_for(ew.resident_user).get("/emergencies/").status_code == 403
    response = client_for(ew.sibling_desk).post(f"/emergencies/incidents/{incident.pk}/level/", {"level": 3})
    assert response.status_code == 404
    incident.refresh_from_db()
    assert incident.level == 1


def test_the_board_shows_every_open_incident_of_the_company_in_constant_queries(ew):
    c = client_for(ew.hq)
    open_fire(ew)
    c.get("/emergencies/")
    with CaptureQueriesContext(connection) as one:
        assert c.get("/emergencies/", headers={"HX-Request": "true"}).status_code == 200
    for _ in range(4):
        open_fire(ew)
    with CaptureQueriesContext(connection) as five:
        body = c.get("/emergencies/", headers={"HX-Request": "true"}).content.decode()
    assert body.count('href="/emergencies/incidents/') == 5
    assert len(five) == len(one)


def test_aftermath_pages_and_closing(ew):
    incident = open_fire(ew)
    gm = client_for(ew.manager)
    gm.post(f"/emergencies/incidents/{incident.pk}/aftermath/")
    page = gm.get(f"/emergencies/incidents/{incident.pk}/").content.decode()
    assert "待回访 2 户" in page and "2 户住户尚未回访" in page
    calls = gm.get(f"/emergencies/incidents/{incident.pk}/calls/").content.decode()
    assert calls.count('name="call_id"') == 2
    # The residents' numbers are masked, in the text and in the page's source, until someone taps
    # to call; that look is journaled on the resident.
    call = incident.calls.select_related("resident").first()
    assert call.resident.phone not in calls and 'data-testid="reveal-phone"' in calls
    revealed = gm.post(f"/residents/{call.resident.pk}/reveal-phone/").content.decode()
    assert f'href="tel:{call.resident.phone}"' in revealed
    assert ObjectChange.objects.filter(
        content_type__model="resident", object_id=str(call.resident.pk), action="reveal"
    ).exists()
    response = gm.post(f"/emergencies/incidents/{incident.pk}/close/")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.AFTERMATH and response.status_code == 302
    for call in incident.calls.all():
        gm.post(f"/emergencies/incidents/{incident.pk}/call/", {"call_id": call.pk, "result": "done"})
    assert not incident.calls.filter(result="pending").exists()


def test_statements_page_for_residents(ew):
    incident = open_fire(ew)
    services.statement_issue(actor=ew.manager, incident=incident, body="小火已扑灭，请放心")
    page = client_for(ew.resident_user).get("/emergencies/statements/").content.decode()
    assert "小火已扑灭，请放心" in page
    assert "小火已扑灭" not in client_for(ew.foreign_admin).get("/emergencies/statements/").content.decode()


def test_command_post_page_shows_gaps_and_takes_members_and_documents(ew):
    c = client_for(ew.manager)
    page = c.get(f"/emergencies/posts/{ew.project.pk}/").content.decode()
    assert "抢救组：无人" in page
    response = c.post(
        f"/emergencies/posts/{ew.project.pk}/",
        {
            "form": "member",
            "position": Position.RESCUE,
            "staff_id": ew.desk.staff_member.pk,
            "is_leader": "on",
        },
    )
    assert response.status_code == 302
    assert "抢救组：无人" not in c.get(f"/emergencies/posts/{ew.project.pk}/").content.decode()
    upload = SimpleUploadedFile("疏散.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = c.post(
        f"/emergencies/posts/{ew.project.pk}/",
        {
            "form": "document",
            "plan_id": ew.fire.pk,
            "kind": "evacuation",
            "title": "紧急疏散方案",
            "file": upload,
        },
    )
    assert response.status_code == 302
    doc = SupportingDocument.objects.get()
    download = c.get(f"/emergencies/documents/{doc.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert client_for(ew.foreign_admin).get(f"/emergencies/documents/{doc.pk}/").status_code == 404
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = c.post(
        f"/emergencies/posts/{ew.project.pk}/",
        {"form": "document", "plan_id": ew.fire.pk, "kind": "other", "title": "x", "file": bad},
    )
    assert response.status_code == 200 and "只支持" in response.content.decode()
    assert SupportingDocument.objects.count() == 1
    assert client_for(ew.control.user).get("/emergencies/posts/").status_code == 200


def test_plan_pages_and_editing_makes_a_version(ew):
    c = client_for(ew.manager)
    assert "火警火灾应急处理预案" in c.get("/emergencies/plans/").content.decode()
    page = c.get(f"/emergencies/plans/{ew.fire.pk}/").content.decode()
    assert "根据现场总指挥的命令起降防火卷帘门" in page
    form = c.get(f"/emergencies/plans/{ew.fire.pk}/edit/")
    assert form.status_code == 200
    data = {k: v for k, v in form.context["form"].initial.items() if v is not False}
    data["is_active"] = "on"
    data["duty_control_room"] += "\n通知公司总值班"
    response = c.post(f"/emergencies/plans/{ew.fire.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ew.fire.refresh_from_db()
    assert ew.fire.version == 2 and ew.fire.content["duties"]["control_room"][-1] == "通知公司总值班"
    assert client_for(ew.control.user).get(f"/emergencies/plans/{ew.fire.pk}/edit/").status_code == 403


def test_drills_page_plans_and_starts_a_drill(ew):
    c = client_for(ew.manager)
    response = c.post(
        "/emergencies/drills/",
        {
            "form": "plan",
            "project_id": ew.project.pk,
            "plan_id": ew.fire.pk,
            "planned_for": DAY.date(),
            "level": 1,
        },
    )
    assert response.status_code == 302
    drill = Drill.objects.get()
    response = c.post("/emergencies/drills/", {"form": "start", "drill_id": drill.pk})
    drill.refresh_from_db()
    assert drill.incident.is_drill and response.url == f"/emergencies/incidents/{drill.incident_id}/"
    page = c.get(f"/emergencies/drills/?year={DAY.year}").content.decode()
    assert "需年度消防演练" in page


def test_the_call_chain_shows_each_persons_number_to_tap(ew):
    ew.fire_lead.phone = "13911112222"
    ew.fire_lead.save()
    ew.gm.phone = "13933334444"
    ew.gm.save()
    c = client_for(ew.control.user)
    post_page = c.get(f"/emergencies/posts/{ew.project.pk}/").content.decode()
    assert 'href="tel:13911112222"' in post_page and 'href="tel:13933334444"' in post_page
    incident = open_fire(ew)
    live = c.get(f"/emergencies/incidents/{incident.pk}/").content.decode()
    assert 'href="tel:13911112222"' in live
