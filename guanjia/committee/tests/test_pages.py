"""The console's and the portal's pages: a ballot cast on the portal form, a paper ballot recorded
at the desk, the result explained, the suggestion box; another project's people get 404."""

import pytest
from django.test import Client

from guanjia.committee import services
from guanjia.committee.models import Ballot, Suggestion, Vote
from guanjia.committee.tasks import run_jobs
from guanjia.committee.tests.conftest import end_now, vote_data
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_vote_pages_from_draft_to_result(cw):
    manager = login(cw.manager)
    data = vote_data(cw)
    form = {
        "project": cw.project.pk,
        "title": data["title"],
        "question": data["question"],
        "starts_at": data["starts_at"][:16],
        "ends_at": data["ends_at"][:16],
    }
    created = manager.post("/committee/votes/new/", form)
    assert created.status_code == 302, created.content.decode()[:2000]
    vote = Vote.objects.get()
    assert manager.post(f"/committee/votes/{vote.pk}/open/").status_code == 302
    # The owner votes on the portal page.
    owner = login(cw.resident_user)
    page = owner.get(f"/portal/votes/{vote.pk}/")
    assert page.status_code == 200 and "提交表决票" in page.content.decode()
    assert (
        owner.post(f"/portal/votes/{vote.pk}/", {"unit_id": cw.unit.pk, "choice": "for"}).status_code == 302
    )
    assert "已投" in owner.get(f"/portal/votes/{vote.pk}/").content.decode()
    assert "待投票" not in owner.get("/portal/votes/").content.decode()
    # The tenant of the same flat has no vote: the page is not theirs.
    assert login(cw.tenant_user).get(f"/portal/votes/{vote.pk}/").status_code == 404
    # The desk records a paper ballot for 1203.
    desk = login(cw.desk)
    owner_1203 = cw.unit_1203.occupancies.get().resident_id
    recorded = desk.post(
        f"/committee/votes/{vote.pk}/paper/",
        {"elector": f"{cw.unit_1203.pk}:{owner_1203}", "choice": "against"},
    )
    assert recorded.status_code == 302
    assert Ballot.objects.get(unit=cw.unit_1203).recorded_by == cw.desk
    detail = manager.get(f"/committee/votes/{vote.pk}/").content.decode()
    assert "前台" in detail and "当前统计" in detail
    end_now(vote.pk)
    run_jobs()
    result = owner.get(f"/portal/votes/{vote.pk}/").content.decode()
    assert "未通过" in result and "双三分之二" in result and "200.00 / 500.00" in result
    # Another project's desk and another company's admin: 404; a technician: no permission to record.
    assert login(cw.sibling_desk).get(f"/committee/votes/{vote.pk}/").status_code == 404
    assert login(cw.foreign_admin).get(f"/committee/votes/{vote.pk}/").status_code == 404


def test_suggestion_pages(world):
    resident = login(world.resident_user)
    assert resident.post("/portal/suggestions/", {"body": ""}).status_code == 422
    assert resident.post("/portal/suggestions/", {"body": "快递柜不够用", "public": "on"}).status_code == 302
    suggestion = Suggestion.objects.get()
    desk = login(world.desk)
    assert "快递柜不够用" in desk.get("/committee/suggestions/").content.decode()
    answered = desk.post(
        f"/committee/suggestions/{suggestion.pk}/", {"answer": "下月增设一组", "public": "on"}
    )
    assert answered.status_code == 302
    neighbour = login(world.other_resident_user)
    assert "下月增设一组" in neighbour.get(f"/portal/suggestions/{suggestion.pk}/").content.decode()
    assert login(world.sibling_desk).get(f"/committee/suggestions/{suggestion.pk}/").status_code == 404
    sheet = desk.get("/data/export/committee_suggestions.xlsx")
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd.openxmlformats")


def test_committee_home_and_menus(world):
    manager = login(world.manager)
    services.member_add(
        actor=world.manager,
        project=world.project,
        data={
            "resident_id": world.resident.pk,
            "role": "chair",
            "term_start": "2026-01-01",
            "term_end": "2030-12-31",
        },
    )
    home = manager.get("/committee/").content.decode()
    assert world.resident.name in home and 'data-testid="nav-committee"' in home
    portal = login(world.resident_user).get("/portal/votes/").content.decode()
    assert 'data-testid="nav-portal-votes"' in portal
    assert login(world.technician).get("/committee/votes/new/").status_code == 403
    other = f.make_resident_user(f.OccupancyFactory(unit=f.UnitFactory(building=world.building)).resident)
    assert login(other).get("/committee/").status_code in (302, 403)
