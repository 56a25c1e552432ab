"""A resident answers the open survey and casts this month's cards on a 390 px phone (Debian's
Chromium through Playwright); the project manager answers the yellow card in the console. No page
is wider than the screen. Screenshots go to /tmp/shots/feedback/."""

import os
from pathlib import Path

import pytest

from guanjia.feedback.models import CardVote, SurveyResponse
from guanjia.feedback.tests.conftest import make_survey
from guanjia.testing.browser import Screen
from guanjia.testing.world import build_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("FEEDBACK_SHOTS", "/tmp/shots/feedback"))


def test_a_resident_answers_and_casts_on_a_phone(browser, live_server):
    world = build_world()
    survey = make_survey(world, opened=True)
    errors: list[str] = []
    phone = Screen(browser, live_server, world.resident_user, errors, shots=SHOTS)
    page = phone.page
    page.get_by_test_id("portal-surveys").click()
    page.get_by_test_id("answer").click()
    page.locator("#comment").wait_for()
    phone.shot("survey")
    for question in survey.questions.all():
        page.click(f"label[for=q{question.pk}-{2 if question.line == 'engineering' else 5}]")
    page.fill("#comment", "电梯经常停运")
    page.get_by_test_id("submit").click()
    page.wait_for_url("**/portal/surveys/")
    response = SurveyResponse.objects.get()
    assert response.follow_up_id is not None  # the low engineering scores became a complaint
    phone.goto("/portal/cards/")
    page.locator(
        "[data-testid=card-sheet] form:has([data-testid=cast-company-yellow]) input[name=reason]"
    ).fill("垃圾清运不及时")
    page.get_by_test_id("cast-company-yellow").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cast-company-yellow").count() == 0
    phone.shot("cards")
    card = CardVote.objects.get()
    phone.close()

    manager = Screen(browser, live_server, world.manager, errors, shots=SHOTS)
    manager.goto("/feedback/cards/")
    row = manager.page.locator(f"#card-{card.pk}")
    row.locator("input[name=response]").fill("已增加清运频次")
    row.locator("button").click()
    manager.page.locator(f"#card-{card.pk} .badge.text-bg-success").wait_for()
    manager.shot("console-cards")
    card.refresh_from_db()
    assert card.closed_by_id == world.manager.pk
    manager.close()
    assert not errors, errors
