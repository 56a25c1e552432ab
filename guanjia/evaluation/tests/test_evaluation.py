"""Ranking sheets (drafted once, published by someone not on them, evidence only), service-star
awards and training records: the scoping battery and the rules users notice."""

import datetime
from decimal import Decimal

import pytest

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.core.roles import Role
from guanjia.evaluation import services
from guanjia.evaluation.choices import AwardKind, SheetStatus, TrainingResult
from guanjia.evaluation.models import RankingRow, RankingSheet, StaffAward, TrainingRecord
from guanjia.staff.models import StaffMember, StaffRole
from guanjia.testing.api import Api, ScopedResourceBattery, ids

pytestmark = pytest.mark.django_db


def member(user) -> StaffMember:
    return StaffMember.objects.get(user=user)


# Ranking sheets ---------------------------------------------------------------------------------


def test_a_sheet_freezes_the_quarters_figures_and_highlights_the_most_complained(work):
    sheet = services.ranking_draft(actor=work.manager, project=work.project, quarter="2026Q1")
    rows = {r.staff.name: r for r in RankingRow.objects.filter(sheet=sheet).select_related("staff")}
    assert "项目经理" not in rows  # the reviewer is not ranked
    assert "大厦前台" not in rows  # serves another project
    tech = rows["维修工"]
    assert (tech.handled, tech.deadlines_on_time, tech.deadlines_done, tech.rework, tech.complaints) == (
        2,
        5,  # on site within 15 minutes (seed 000) counts too: see test_figures
        9,
        1,
        1,
    )
    assert tech.rating_mean == Decimal("4.00") and tech.most_complained
    # People with work first, the fewest complaints first among them.
    assert rows["维修工二"].rank == 1 and tech.rank == 2
    assert not rows["维修工二"].most_complained
    assert sorted(r.rank for r in rows.values()) == list(range(1, len(rows) + 1))


def test_a_sheet_is_drafted_once_per_project_and_quarter(work):
    services.ranking_draft(actor=work.manager, project=work.project, quarter="2026Q1")
    with pytest.raises(Conflict):
        services.ranking_draft(actor=work.manager, project=work.project, quarter="2026Q1")
    response = Api(work.admin).post("ranking-sheets", {"project_id": work.project.pk, "quarter": "2026Q1"})
    assert response.status_code == 409
    assert RankingSheet.objects.filter(project=work.project, quarter="2026Q1").count() == 1


def test_the_quarterly_job_drafts_each_project_once_however_often_it_runs(work):
    today = datetime.date(2026, 4, 2)
    services.ranking_draft(actor=work.manager, project=work.project, quarter="2026Q1")
    first = services.draft_last_quarter(today=today)
    assert services.draft_last_quarter(today=today) == 0
    assert first == RankingSheet.objects.filter(quarter="2026Q1").count() - 1
    assert RankingSheet.objects.filter(quarter="2026Q1", project=work.sibling_project).count() == 1


def test_a_quarter_not_yet_begun_cannot_be_ranked(work):
    response = Api(work.manager).post("ranking-sheets", {"project_id": work.project.pk, "quarter": "2099Q1"})
    assert response.status_code == 422 and "quarter" in response.json()["errors"]


def test_a_ranked_person_cannot_publish_their_own_sheet(work):
    sheet = services.ranking_draft(actor=work.manager, project=work.project, quarter="2026Q1")
    # The technician is promoted after the draft: now a reviewer, but ranked on this sheet.
    StaffRole.objects.create(company=work.company, staff=member(work.technician), role=Role.PROJECT_MANAGER)
    changes = ObjectChange.objects.count()
    response = Api(work.technician).post(f"ranking-sheets/{sheet.pk}/publish", {})
    assert response.status_code == 403
    with pytest.raises(NotAllowed):
        services.ranking_publish(actor=work.technician, sheet=sheet)
    assert RankingSheet.objects.get(pk=sheet.pk).status == SheetStatus.DRAFT
    assert ObjectChange.objects.count() == changes


def test_remarks_then_publication_by_the_manager_and_nothing_else_happens(work):
    sheet = services.ranking_draft(actor=None, project=work.project, quarter="2026Q1")
    api = Api(work.manager)
    row = RankingRow.objects.get(sheet=sheet, staff=member(work.technician))
    edited = api.patch(f"ranking-sheets/{sheet.pk}/rows/{row.pk}", {"remark": "投诉一次，已约谈；返工需关注"})
    assert edited.status_code == 200 and edited.json()["remark"].startswith("投诉一次")
    tech_user = member(work.technician)
    before = StaffMember.objects.filter(pk=tech_user.pk).values().get()
    published = api.post(f"ranking-sheets/{sheet.pk}/publish", {"note": "供季度考核参考"})
    assert published.status_code == 200, published.content
    body = published.json()
    assert body["status"] == "published" and body["published_by_id"] == member(work.manager).pk
    assert [r["rank"] for r in body["rows"]] == sorted(r["rank"] for r in body["rows"])
    # Evidence, not a decision: the ranked people are untouched.
    assert StaffMember.objects.filter(pk=tech_user.pk).values().get() == before
    assert api.post(f"ranking-sheets/{sheet.pk}/publish", {}).status_code == 409
    assert api.patch(f"ranking-sheets/{sheet.pk}/rows/{row.pk}", {"remark": "改"}).status_code == 409


def test_sheets_are_scoped_to_projects_and_companies(work):
    mine = services.ranking_draft(actor=None, project=work.project, quarter="2026Q1")
    theirs = services.ranking_draft(actor=None, project=work.sibling_project, quarter="2026Q1")
    foreign = services.ranking_draft(actor=None, project=work.foreign_project, quarter="2026Q1")
    assert ids(Api(work.manager).get("ranking-sheets")) == {mine.pk}
    assert ids(Api(work.admin).get("ranking-sheets")) == {mine.pk, theirs.pk}
    assert ids(Api(work.foreign_admin).get("ranking-sheets")) == {foreign.pk}
    assert Api(work.manager).get(f"ranking-sheets/{theirs.pk}").status_code == 404
    assert Api(work.foreign_admin).get(f"ranking-sheets/{mine.pk}").status_code == 404
    assert Api(work.foreign_admin).post(f"ranking-sheets/{mine.pk}/publish", {}).status_code == 404
    assert Api(work.desk).get("ranking-sheets").status_code == 403
    assert Api(work.resident_user).get("ranking-sheets").status_code == 403
    drafted = Api(work.manager).post(
        "ranking-sheets", {"project_id": work.sibling_project.pk, "quarter": "2025Q4"}
    )
    assert drafted.status_code == 404


# Awards -----------------------------------------------------------------------------------------


class TestAwards(ScopedResourceBattery):
    resource = "awards"
    update_payload = {"citation": "全年零投诉，业主来信表扬三次"}

    def make(self, world, project):
        serving = world.technician if project == world.project else world.sibling_desk
        return StaffAward.objects.create(
            company=project.company,
            project=project,
            kind=AwardKind.SERVICE_STAR,
            period="2026Q1",
            staff=member(serving),
            citation="耐心细致",
        )

    def create_payload(self, world):
        return {
            "citation": "主动为老人送修",
            "kind": AwardKind.SMILE_AMBASSADOR,
            "period": "2026Q2",
            "project_id": world.project.pk,
            "staff_id": member(world.technician).pk,
        }


def test_one_award_per_kind_project_and_quarter(world):
    api = Api(world.manager)
    body = TestAwards().create_payload(world)
    assert api.post("awards", body).status_code == 201
    again = api.post("awards", body | {"staff_id": member(world.desk).pk})
    assert again.status_code in (409, 422)
    assert StaffAward.objects.filter(project=world.project, period="2026Q2").count() == 1
    elsewhere = api.post(
        "awards", body | {"kind": AwardKind.TECHNICAL_EXPERT, "staff_id": member(world.sibling_desk).pk}
    )
    assert elsewhere.status_code == 422 and "staff_id" in elsewhere.json()["errors"]


def test_residents_see_their_estates_stars_without_phone_numbers(world, client):
    here = TestAwards().make(world, world.project)
    there = TestAwards().make(world, world.sibling_project)
    StaffMember.objects.filter(pk=here.staff_id).update(phone="13800138000")
    assert set(StaffAward.objects.visible_to(world.resident_user)) == {here}
    client.force_login(world.resident_user)
    page = client.get("/portal/stars/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "维修工" in text and "耐心细致" in text
    assert "13800138000" not in text and "0138000" not in text
    assert there.staff.name not in text


# Training records -------------------------------------------------------------------------------


class TestTrainingRecords(ScopedResourceBattery):
    resource = "training-records"
    update_payload = {"hours": "3.50"}

    def make(self, world, project):
        serving = world.technician if project == world.project else world.sibling_desk
        return TrainingRecord.objects.create(
            company=project.company,
            staff=member(serving),
            course="红十字会急救培训",
            trained_on=datetime.date(2026, 3, 5),
            hours=Decimal("4.00"),
            result=TrainingResult.PASSED,
        )

    def create_payload(self, world):
        return {
            "course": "消防设施操作",
            "staff_id": member(world.technician).pk,
            "trained_on": "2026-04-01",
            "hours": "2.5",
            "result": TrainingResult.PASSED,
            "trainer": "市消防支队",
        }


def test_training_hours_are_exact_decimals(world):
    api = Api(world.manager)
    created = api.post("training-records", TestTrainingRecords().create_payload(world) | {"hours": "1.25"})
    assert created.status_code == 201, created.content
    assert TrainingRecord.objects.get(pk=created.json()["id"]).hours == Decimal("1.25")
    assert (
        api.post("training-records", TestTrainingRecords().create_payload(world) | {"hours": "0"}).status_code
        == 422
    )
    assert (
        Api(world.desk).post("training-records", TestTrainingRecords().create_payload(world)).status_code
        == 403
    )


@pytest.mark.parametrize("quarter", ["0000Q1", "9999Q4", "2026Q5", "2026-1"])
def test_impossible_quarters_are_422_naming_the_field(world, quarter):
    response = Api(world.manager).post("ranking-sheets", {"project_id": world.project.pk, "quarter": quarter})
    assert response.status_code == 422 and "quarter" in response.json()["errors"]
    body = TestAwards().create_payload(world) | {"period": quarter}
    response = Api(world.manager).post("awards", body)
    assert response.status_code == 422 and "period" in response.json()["errors"]


def test_the_current_quarter_cannot_be_ranked_before_it_ends(world):
    from django.utils import timezone

    from guanjia.evaluation.models import quarter_of

    current = quarter_of(timezone.localdate())
    response = Api(world.manager).post("ranking-sheets", {"project_id": world.project.pk, "quarter": current})
    assert response.status_code == 422 and "quarter" in response.json()["errors"]
    assert not RankingSheet.objects.exists()
