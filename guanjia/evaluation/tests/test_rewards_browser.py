"""Rewards and penalties as their users see them: the engineering head proposes a penalty on the
desktop with a complaint against the technician picked as evidence (the picker loads by htmx when
the person is chosen), the project manager approves it, and the technician reads it on a phone.
Screenshots go to docs/screens/rewards/."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.evaluation.choices import RewardStatus
from guanjia.evaluation.models import RewardPenalty
from guanjia.sla.tests.helpers import receive
from guanjia.testing.browser import DESKTOP, Screen
from guanjia.tickets.choices import Kind

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screens" / "rewards"


def test_head_proposes_with_evidence_manager_approves_technician_reads_it(tw, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    technician = tw.staff["technician"]
    complaint = receive(tw, kind=Kind.COMPLAINT, description="上门未穿鞋套", subject_staff_id=technician.pk)

    screen = Screen(browser, live_server, tw.head, errors, DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto("/staff/rewards/new/")
    # Each choice reloads the form by htmx (the people and the evidence follow the project and person).
    for field, value in (("#id_project", tw.project.pk), ("#id_staff", technician.pk)):
        with page.expect_response(lambda r: r.url.endswith("/staff/rewards/new/")):
            page.select_option(field, str(value))
        screen.htmx_settled()
        expect(page.locator(field)).to_have_value(str(value))
    picker = page.get_by_test_id("evidence-picker")
    expect(picker).to_contain_text(complaint.number)  # loaded for this person by htmx
    picker.get_by_label(complaint.number, exact=False).check()
    page.select_option("#id_kind", "penalty")
    page.fill("#id_occurred_on", timezone.localdate().isoformat())
    page.fill("#id_reason", "上门未穿鞋套，业主投诉")
    page.fill("#id_amount", "80")
    screen.shot("1-head-proposes-with-evidence")
    page.get_by_test_id("do-propose").click()
    expect(page.get_by_test_id("reward-status")).to_have_text(str(RewardStatus.PROPOSED.label))
    expect(page.get_by_test_id("reward-evidence")).to_contain_text(complaint.number)
    screen.context.close()
    record = RewardPenalty.objects.get()

    screen = Screen(browser, live_server, tw.manager, errors, DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto(f"/staff/rewards/{record.pk}/")
    page.get_by_test_id("decision-form").locator("textarea, input[name=note]").first.fill("同意，按制度处理")
    page.get_by_test_id("do-approve").click()
    expect(page.get_by_test_id("reward-status")).to_have_text(str(RewardStatus.APPROVED.label))
    screen.shot("2-manager-approves")
    screen.context.close()

    screen = Screen(browser, live_server, tw.technician, errors, shots=SHOTS)
    page = screen.page
    screen.goto("/staff/rewards/mine/")
    expect(page.get_by_test_id("my-rewards")).to_contain_text("上门未穿鞋套，业主投诉")
    expect(page.get_by_test_id("my-rewards")).to_contain_text("80.00")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone page is {width}px wide"
    screen.shot("3-technician-reads-it-phone")
    screen.context.close()
    assert RewardPenalty.objects.get().status == RewardStatus.APPROVED
    assert not errors, errors
