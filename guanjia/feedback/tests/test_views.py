"""Console and portal pages: they render for the right people, answer and cast through the services,
and show errors on the page instead of failing."""

import pytest
from django.test import Client
from django.urls import reverse

from guanjia.feedback.choices import CardColour, SurveyStatus
from guanjia.feedback.models import CardVote, Survey, SurveyResponse
from guanjia.feedback.tests.conftest import make_survey

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_survey_pages_for_staff(world):
    survey = make_survey(world, opened=True)
    desk = login(world.desk)
    page = desk.get(reverse("feedback:survey_list"))
    assert page.status_code == 200 and survey.title in page.content.decode()
    detail = desk.get(reverse("feedback:survey_detail", args=[survey.pk]))
    assert detail.status_code == 200 and 'data-testid="results-table"' in detail.content.decode()
    assert desk.get(reverse("feedback:survey_new")).status_code == 403
    assert (
        login(world.sibling_desk).get(reverse("feedback:survey_detail", args=[survey.pk])).status_code == 404
    )


def test_admin_creates_and_opens_a_survey_in_the_console(world):
    admin = login(world.admin)
    response = admin.post(
        reverse("feedback:survey_new"),
        {
            "title": "年度调查",
            "period": "2026",
            "opens_on": "2026-01-01",
            "closes_on": "2099-12-31",
            "projects": [world.project.pk],
            "lines": ["service", "environment"],
        },
    )
    survey = Survey.objects.get(title="年度调查")
    assert response.status_code == 302
    assert set(survey.questions.values_list("line", flat=True)) == {"service", "environment"}
    admin.post(reverse("feedback:survey_act", args=[survey.pk, "open"]))
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN


def test_a_bad_period_shows_on_the_form(world):
    response = login(world.admin).post(
        reverse("feedback:survey_new"),
        {
            "title": "x",
            "period": "soon",
            "opens_on": "2026-01-01",
            "closes_on": "2026-02-01",
            "projects": [world.project.pk],
            "lines": ["service"],
        },
    )
    assert response.status_code == 422 and not Survey.objects.exists()


def test_a_resident_answers_on_the_portal_once(world):
    survey = make_survey(world, opened=True)
    client = login(world.resident_user)
    home = client.get(reverse("home"))
    assert reverse("feedback:portal_surveys") in home.content.decode()
    listing = client.get(reverse("feedback:portal_surveys"))
    assert 'data-testid="answer"' in listing.content.decode()
    form = client.get(reverse("feedback:portal_survey", args=[survey.pk]))
    assert form.status_code == 200
    scores = {f"q{q.pk}": "5" for q in survey.questions.all()}
    missing = client.post(reverse("feedback:portal_survey", args=[survey.pk]), {"unit_id": world.unit.pk})
    assert missing.status_code == 422 and not SurveyResponse.objects.exists()
    done = client.post(
        reverse("feedback:portal_survey", args=[survey.pk]),
        {"unit_id": world.unit.pk, "comment": "好", **scores},
    )
    assert done.status_code == 302
    assert SurveyResponse.objects.get().unit_id == world.unit.pk
    again = client.get(reverse("feedback:portal_survey", args=[survey.pk]))
    assert "survey-form" not in again.content.decode()


def test_a_resident_casts_this_months_cards_on_the_portal(world):
    client = login(world.resident_user)
    page = client.get(reverse("feedback:portal_cards"))
    assert page.status_code == 200 and 'data-testid="cast-company-blue"' in page.content.decode()
    client.post(
        reverse("feedback:portal_cards"),
        {"unit_id": world.unit.pk, "target": "company", "colour": "yellow", "reason": "电梯噪音大"},
    )
    card = CardVote.objects.get()
    assert card.colour == CardColour.YELLOW and card.deadline
    again = client.get(reverse("feedback:portal_cards"))
    assert 'data-testid="cast-company-yellow"' not in again.content.decode()
    client.post(
        reverse("feedback:portal_cards"), {"unit_id": world.unit.pk, "target": "company", "colour": "yellow"}
    )
    assert CardVote.objects.count() == 1


def test_the_manager_closes_a_yellow_card_with_htmx(world):
    login(world.resident_user).post(
        reverse("feedback:portal_cards"),
        {"unit_id": world.unit.pk, "target": "company", "colour": "yellow", "reason": "电梯噪音大"},
    )
    card = CardVote.objects.get()
    manager = login(world.manager)
    page = manager.get(reverse("feedback:cards"))
    assert page.status_code == 200 and f'id="card-{card.pk}"' in page.content.decode()
    empty = manager.post(
        reverse("feedback:card_close", args=[card.pk]), {"response": ""}, HTTP_HX_REQUEST="true"
    )
    assert empty.status_code == 422
    done = manager.post(
        reverse("feedback:card_close", args=[card.pk]), {"response": "已调整"}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 200 and "已调整" in done.content.decode()
    card.refresh_from_db()
    assert card.closed_by == world.manager


def test_portal_pages_send_staff_to_the_console_and_console_pages_refuse_residents(world):
    assert login(world.desk).get(reverse("feedback:portal_cards")).status_code == 302
    assert login(world.resident_user).get(reverse("feedback:cards")).status_code == 403
