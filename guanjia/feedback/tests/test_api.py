"""The feedback API: every resource through ScopedResourceBattery, plus the actions and the rules
residents and staff notice over HTTP (409 on a second answer, 422 naming the field, months)."""

import datetime

import pytest
from django.utils import timezone

from guanjia.core.models import ObjectChange
from guanjia.feedback import services
from guanjia.feedback.choices import SurveyStatus
from guanjia.feedback.models import CardTally, CardVote, SurveyResponse
from guanjia.feedback.tests.conftest import all_scores, make_survey
from guanjia.testing import factories as f
from guanjia.testing.api import Api, ScopedResourceBattery, ids, snapshot

pytestmark = pytest.mark.django_db


def _household(project):
    """A unit with a resident in ``project``."""
    building = f.BuildingFactory(project=project)
    return f.OccupancyFactory(unit=f.UnitFactory(building=building))


class OwnFirst(ScopedResourceBattery):
    @pytest.fixture(autouse=True)
    def _own_record_exists(self, world):
        """The resident's own record exists before the battery lists (it is made lazily otherwise)."""
        self.own_of(world)


class TestSurveys(OwnFirst):
    resource = "surveys"
    writer = "admin"
    resident_sees_own = True
    update_payload = {"title": "2026年第四季度业主满意度调查"}

    def make(self, world, project):
        return make_survey(world, projects=[project])

    def create_payload(self, world):
        today = timezone.localdate()
        return {
            "title": "四季度满意度调查",
            "period": "2026Q4",
            "opens_on": today,
            "closes_on": today + datetime.timedelta(days=20),
            "project_ids": [world.project.pk],
        }

    def own_of(self, world):
        if not hasattr(world, "_own_survey"):
            world._own_survey = make_survey(world, projects=[world.project], opened=True)
        return world._own_survey

    def hidden_from_other_resident(self, world):
        return make_survey(world, projects=[world.sibling_project], opened=True)

    def resident_visible_ids(self, world):
        return {self.own_of(world).pk}


class NoDeleteBattery(OwnFirst):
    """Records residents create once and never change or withdraw: no PATCH, no DELETE."""

    writer = "resident_user"
    resident_sees_own = True
    updatable = False
    update_payload: dict = {}

    def test_anonymous_gets_401_everywhere(self, world):
        obj = self.make(world, world.project)
        api = Api()
        before = snapshot(obj)
        assert api.get(self.resource).status_code == 401
        assert api.get(f"{self.resource}/{obj.pk}").status_code == 401
        assert api.post(self.resource, self.create_payload(world)).status_code == 401
        assert snapshot(obj) == before

    @pytest.mark.parametrize("intruder", ["foreign_admin", "sibling_desk", "other_resident_user"])
    def test_out_of_scope_user_cannot_list_read_change_or_delete(self, world, intruder):
        obj = self.make(world, world.project)
        if intruder == "other_resident_user":
            obj = self.hidden_from_other_resident(world)
        api = Api(getattr(world, intruder))
        before = snapshot(obj)
        changes_before = ObjectChange.objects.count()
        listed = api.get(self.resource, page_size=200)
        assert listed.status_code == 200 and obj.pk not in ids(listed)
        assert api.get(f"{self.resource}/{obj.pk}").status_code == 404
        assert api.delete(f"{self.resource}/{obj.pk}").status_code == 405
        assert snapshot(obj) == before
        assert ObjectChange.objects.count() == changes_before

    def test_writer_creates_updates_and_deletes_with_journal(self, world):
        api = Api(world.resident_user)
        created = api.post(self.resource, self.create_payload(world))
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert api.get(f"{self.resource}/{pk}").status_code == 200
        assert api.delete(f"{self.resource}/{pk}").status_code == 405  # never withdrawn
        assert ObjectChange.objects.filter(
            object_id=str(pk),
            content_type__model=self.model_name(world),
            source="api",
            actor=world.resident_user,
            action="create",
        ).exists()

    def resident_visible_ids(self, world):
        return {self.own_of(world).pk}


class TestSurveyResponses(NoDeleteBattery):
    resource = "survey-responses"

    def survey(self, world):
        if not hasattr(world, "_survey"):
            world._survey = make_survey(world, projects=[world.project, world.sibling_project], opened=True)
        return world._survey

    def make(self, world, project):
        occupancy = _household(project)
        return SurveyResponse.objects.create(
            company=world.company,
            project=project,
            survey=self.survey(world),
            unit=occupancy.unit,
            resident=occupancy.resident,
            submitted_at=timezone.now(),
        )

    def own_of(self, world):
        if not hasattr(world, "_own_response"):
            world._own_response = SurveyResponse.objects.create(
                company=world.company,
                project=world.project,
                survey=self.survey(world),
                unit=world.unit,
                resident=world.resident,
                submitted_at=timezone.now(),
            )
        return world._own_response

    def create_payload(self, world):
        # Another survey than the one the resident's own (fixture) answer belongs to.
        if not hasattr(world, "_survey2"):
            world._survey2 = make_survey(world, opened=True)
        survey = world._survey2
        return {
            "answers": all_scores(survey),
            "survey_id": survey.pk,
            "unit_id": world.unit.pk,
            "comment": "",
        }


class TestCardVotes(NoDeleteBattery):
    resource = "card-votes"

    def _card(self, world, occupancy, colour="blue"):
        return CardVote.objects.create(
            company=world.company,
            project=occupancy.unit.project,
            unit=occupancy.unit,
            resident=occupancy.resident,
            month=services.month_of(timezone.now()),
            target="company",
            colour=colour,
            cast_at=timezone.now(),
        )

    def make(self, world, project):
        return self._card(world, _household(project))

    def own_of(self, world):
        if not hasattr(world, "_own_card"):
            world._own_card = self._card(world, world.resident.occupancies.get(), colour="red")
        return world._own_card

    def create_payload(self, world):
        return {"target": "company", "colour": "blue", "unit_id": world.unit.pk, "reason": "保洁很好"}


# Actions and rules over HTTP ---------------------------------------------------------------------


def test_open_and_close_actions(world):
    survey = make_survey(world)
    admin = Api(world.admin)
    assert Api(world.manager).post(f"surveys/{survey.pk}/open").status_code == 403
    opened = admin.post(f"surveys/{survey.pk}/open")
    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == SurveyStatus.OPEN
    assert admin.post(f"surveys/{survey.pk}/open").status_code == 409
    assert admin.patch(f"surveys/{survey.pk}", {"title": "x"}).status_code == 409
    assert admin.post(f"surveys/{survey.pk}/close").json()["status"] == SurveyStatus.CLOSED
    assert admin.post(f"surveys/{survey.pk}/close").status_code == 409
    assert Api(world.foreign_admin).post(f"surveys/{survey.pk}/close").status_code == 404


def test_a_second_answer_is_409_and_a_bad_score_422_naming_the_field(world):
    survey = make_survey(world, opened=True)
    api = Api(world.resident_user)
    body = {"survey_id": survey.pk, "unit_id": world.unit.pk, "answers": all_scores(survey)}
    bad = {**body, "answers": [*all_scores(survey)[:-1], {"question_id": 1, "score": 6}]}
    response = api.post("survey-responses", bad)
    assert response.status_code == 422
    assert any(key.startswith("answers.") and key.endswith("score") for key in response.json()["errors"])
    assert api.post("survey-responses", body).status_code == 201
    assert api.post("survey-responses", body).status_code == 409
    assert SurveyResponse.objects.count() == 1


def test_answering_a_closed_survey_is_409(world):
    survey = make_survey(world, opened=True)
    services.survey_close(actor=world.admin, survey=survey)
    response = Api(world.resident_user).post(
        "survey-responses", {"survey_id": survey.pk, "unit_id": world.unit.pk, "answers": all_scores(survey)}
    )
    assert response.status_code == 409


def test_results_over_the_api(world):
    survey = make_survey(world, projects=[world.project, world.sibling_project], opened=True)
    Api(world.resident_user).post(
        "survey-responses",
        {"survey_id": survey.pk, "unit_id": world.unit.pk, "answers": all_scores(survey, score=4)},
    )
    body = Api(world.desk).get(f"surveys/{survey.pk}/results").json()
    assert [p["project_id"] for p in body["projects"]] == [world.project.pk]  # the desk serves P1 only
    assert body["projects"][0]["answered"] == 1 and body["projects"][0]["invited"] == 2
    assert body["projects"][0]["response_rate"] == "0.5000"
    assert {row["line"] for row in body["lines"]} == {"service", "engineering", "security", "environment"}
    assert Api(world.resident_user).get(f"surveys/{survey.pk}/results").status_code == 403
    assert Api(world.foreign_admin).get(f"surveys/{survey.pk}/results").status_code == 404


def test_residents_read_open_surveys_of_their_estate_not_drafts(world):
    draft = make_survey(world)
    opened = make_survey(world, opened=True)
    seen = ids(Api(world.resident_user).get("surveys"))
    assert opened.pk in seen and draft.pk not in seen


def test_a_card_of_another_month_is_422_and_a_second_card_409(world):
    api = Api(world.resident_user)
    now = timezone.localtime()
    other = (now.date().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    body = {"unit_id": world.unit.pk, "target": "company", "colour": "blue"}
    late = api.post("card-votes", {**body, "month": other})
    assert late.status_code == 422 and "month" in late.json()["errors"]
    assert api.post("card-votes", body).status_code == 201
    assert api.post("card-votes", body).status_code == 409
    foreign = api.post("card-votes", {**body, "unit_id": world.other_unit.pk})
    assert foreign.status_code == 422 and "unit_id" in foreign.json()["errors"]


def test_closing_a_yellow_card_over_the_api(world):
    created = Api(world.resident_user).post(
        "card-votes",
        {"unit_id": world.unit.pk, "target": "company", "colour": "yellow", "reason": "路灯坏了"},
    )
    card = created.json()
    assert card["deadline"] and card["owner_id"] and card["overdue"] is False
    listed = ids(Api(world.manager).get("card-votes", open_yellow=True))
    assert card["id"] in listed
    assert card["id"] not in ids(Api(world.manager).get("card-votes", overdue=True))
    CardVote.objects.filter(pk=card["id"]).update(deadline=timezone.now() - datetime.timedelta(hours=1))
    overdue = Api(world.manager).get("card-votes", overdue=True).json()["items"]
    assert [c["id"] for c in overdue] == [card["id"]] and overdue[0]["overdue"] is True
    assert (
        Api(world.resident_user).post(f"card-votes/{card['id']}/close", {"response": "x"}).status_code == 403
    )
    assert Api(world.manager).post(f"card-votes/{card['id']}/close", {"response": ""}).status_code == 422
    closed = Api(world.manager).post(f"card-votes/{card['id']}/close", {"response": "已更换路灯"})
    assert closed.status_code == 200 and closed.json()["closed_at"]
    assert card["id"] not in ids(Api(world.manager).get("card-votes", open_yellow=True))
    assert (
        Api(world.sibling_desk).post(f"card-votes/{card['id']}/close", {"response": "x"}).status_code == 404
    )


def test_tallies_over_the_api(world):
    now = timezone.now()
    tally = CardTally.objects.create(
        company=world.company,
        project=world.project,
        month=datetime.date(2026, 3, 1),
        target="company",
        households=2,
        blue=2,
        published_at=now,
    )
    assert ids(Api(world.desk).get("card-tallies", month="2026-03")) == {tally.pk}
    assert ids(Api(world.sibling_desk).get("card-tallies")) == set()
    assert ids(Api(world.resident_user).get("card-tallies")) == {tally.pk}  # public in the estate
    assert Api(world.desk).get("card-tallies", month="2026-13").status_code == 422
    yearly = Api(world.desk).get("card-tallies/yearly", year=2026).json()
    assert yearly == [
        {
            "project_id": world.project.pk,
            "project_name": world.project.name,
            "target": "company",
            "months": 1,
            "blue": 2,
            "yellow": 0,
            "red": 0,
            "blue_share": "1.0000",
            "red_share": "0.0000",
            "rating": "excellent",
        }
    ]
    assert Api(world.foreign_admin).get("card-tallies/yearly", year=2026).json() == []


def test_list_queries_do_not_grow_with_the_page(world, django_assert_max_num_queries):
    for project in (world.project, world.sibling_project):
        make_survey(world, projects=[project], opened=True)
    api = Api(world.admin)
    api.get("surveys")  # warm the token and scope caches
    with django_assert_max_num_queries(8):
        assert len(api.get("surveys").json()["items"]) == 2
    for _ in range(5):
        make_survey(world, projects=[world.project, world.sibling_project])
    with django_assert_max_num_queries(8):
        assert len(api.get("surveys").json()["items"]) == 7


def test_fee_scales_over_the_api(world):
    body = {"project_id": world.project.pk, "steps": [{"min_satisfied": "80", "fee_percent": "100"}]}
    assert Api(world.manager).post("fee-scales", body).status_code == 403
    created = Api(world.admin).post("fee-scales", body)
    assert created.status_code == 201, created.content
    replaced = Api(world.admin).post(
        "fee-scales", {**body, "steps": [{"min_satisfied": "0", "fee_percent": "90"}]}
    )
    assert replaced.json()["id"] == created.json()["id"]
    assert ids(Api(world.resident_user).get("fee-scales")) == {
        created.json()["id"]
    }  # published to the estate
    assert ids(Api(world.sibling_desk).get("fee-scales")) == set()
    assert Api(world.foreign_admin).post("fee-scales", body).status_code == 422
