"""The console pages of staff evaluation: figures (sortable, htmx), ranking sheets (draft, remark,
publish), service stars, a person's training history — scoped like the API."""

import pytest

from guanjia.evaluation.choices import SheetStatus
from guanjia.evaluation.models import RankingRow, RankingSheet, StaffAward, TrainingRecord
from guanjia.staff.models import StaffMember

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_figures_page_sorts_and_answers_htmx_with_the_table(work, client):
    c = login(client, work.manager)
    url = f"/staff/figures/?project={work.project.pk}&from=2026-03-01&to=2026-03-31"
    page = c.get(url + "&sort=handled&desc=1")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("维修工") < text.index("前台")
    assert 'data-testid="most-complained"' in text
    by_default = c.get(url).content.decode()  # the most work first, not the alphabet
    assert by_default.index("维修工") < by_default.index("前台")
    fragment = c.get(url + "&sort=complaints", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert c.get("/staff/figures/?from=2026-13-01").status_code == 422
    assert login(client, work.desk).get("/staff/figures/").status_code == 403


def test_ranking_pages_draft_remark_and_publish(work, client):
    c = login(client, work.manager)
    drafted = c.post("/staff/rankings/", {"project": work.project.pk, "quarter": "2026Q1"})
    sheet = RankingSheet.objects.get(project=work.project, quarter="2026Q1")
    assert drafted.status_code == 302 and drafted.url == f"/staff/rankings/{sheet.pk}/"
    again = c.post("/staff/rankings/", {"project": work.project.pk, "quarter": "2026Q1"})
    assert again.status_code == 422 and RankingSheet.objects.count() == 1
    row = RankingRow.objects.get(sheet=sheet, staff__user=work.technician)
    saved = c.post(
        f"/staff/rankings/{sheet.pk}/rows/{row.pk}/remark/",
        {"remark": "需改进沟通"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "需改进沟通" in saved.content.decode()
    assert c.get(f"/staff/rankings/{sheet.pk}/").status_code == 200
    c.post(f"/staff/rankings/{sheet.pk}/publish/", {"note": "季度考核参考"})
    assert RankingSheet.objects.get(pk=sheet.pk).status == SheetStatus.PUBLISHED
    assert login(client, work.sibling_desk).get(f"/staff/rankings/{sheet.pk}/").status_code == 403
    assert login(client, work.foreign_admin).get(f"/staff/rankings/{sheet.pk}/").status_code == 404


def test_awards_page_names_a_star_and_refuses_a_second_of_the_kind(world, client):
    c = login(client, world.manager)
    tech = StaffMember.objects.get(user=world.technician)
    body = {
        "project": world.project.pk,
        "kind": "technical_expert",
        "period": "2026Q1",
        "staff": tech.pk,
        "citation": "一季度完成维修 120 单",
    }
    assert c.post("/staff/awards/", body).status_code == 302
    assert c.post("/staff/awards/", body).status_code == 422
    assert StaffAward.objects.count() == 1
    assert "一季度完成维修" in login(client, world.desk).get("/staff/awards/").content.decode()


def test_training_history_lists_and_adds_records(world, client):
    tech = StaffMember.objects.get(user=world.technician)
    c = login(client, world.manager)
    added = c.post(
        f"/staff/{tech.pk}/training/",
        {
            "course": "电梯困人救援",
            "trained_on": "2026-03-05",
            "hours": "2.50",
            "result": "passed",
            "trainer": "维保公司",
        },
    )
    assert added.status_code == 302
    page = c.get(f"/staff/{tech.pk}/training/")
    assert "电梯困人救援" in page.content.decode() and "2.50" in page.content.decode()
    assert login(client, world.desk).post(f"/staff/{tech.pk}/training/", {"course": "x"}).status_code == 403
    assert login(client, world.sibling_desk).get(f"/staff/{tech.pk}/training/").status_code == 404
    assert TrainingRecord.objects.count() == 1


def test_the_desk_form_names_the_person_a_complaint_is_against(tw, client):
    from guanjia.tickets.models import Ticket

    c = login(client, tw.desk)
    tech = tw.staff["technician"]
    body = {
        "unit_id": tw.unit.pk,
        "resident_id": tw.resident.pk,
        "kind": "complaint",
        "priority": "normal",
        "channel": "phone",
        "description": "师傅态度差",
        "subject_staff_id": tech.pk,
    }
    assert "被投诉员工" in c.get("/tickets/new/").content.decode()
    response = c.post("/tickets/new/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Ticket.objects.get(kind="complaint").subject_staff_id == tech.pk
    refused = c.post("/tickets/new/", body | {"kind": "home_repair", "description": "漏水"})
    assert refused.status_code == 422 and 'data-field="subject_staff_id"' in refused.content.decode()


def test_a_persons_page_links_to_their_training_history(world, client):
    """``staff``'s page reaches the evaluation app's page by URL name only (staff imports nothing of it)."""
    tech = StaffMember.objects.get(user=world.technician)
    page = login(client, world.manager).get(f"/staff/{tech.pk}/").content.decode()
    assert f'href="/staff/{tech.pk}/training/" data-testid="training-link"' in page
