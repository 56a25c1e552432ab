"""A contract expiry reminder escalating: the lift contract ends in 30 days, its owner was reminded
60 and 30 days ahead and has not decided, so the project manager was told; the owner sees it on the
contract's timeline (desktop), the manager on a phone; a bad end date is refused on the form; the
owner decides to renew and lands on the successor draft; the lift's page names the maintainer from
the contract. Screenshots go to $GUANJIA_SHOTS (default /tmp/shots/contractors; the committed ones
are in docs/screens/contractors/)."""

import datetime
import os
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.contractors import services
from guanjia.contractors.models import Contract, ContractEscalation, ContractEvent, ContractReminder
from guanjia.testing.browser import DESKTOP, PHONE, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("GUANJIA_SHOTS", "/tmp/shots/contractors"))


def test_a_contract_expiry_reminder_escalating(cw, live_server, browser):
    contract = cw.contract
    services.contract_activate(actor=cw.admin, contract=contract)  # ends in 65 days
    # The hourly job as it ran: 60 days ahead, then 30 days ahead — and nobody decided.
    now = timezone.now()
    services.remind_expiring(now=now + datetime.timedelta(days=5))
    later = now + datetime.timedelta(days=35)
    assert services.remind_expiring(now=later) == 1 and services.escalate_undecided(now=later) == 1
    # Seen from that day: everything 35 days earlier, so the contract ends in 30 days from today.
    back = datetime.timedelta(days=35)
    Contract.objects.filter(pk=contract.pk).update(
        starts_on=F("starts_on") - back, ends_on=F("ends_on") - back
    )
    ContractEvent.objects.filter(contract=contract, kind__in=["reminded", "escalated"]).update(
        happened_at=F("happened_at") - back
    )
    ContractReminder.objects.filter(contract=contract).update(sent_at=F("sent_at") - back)
    ContractEscalation.objects.filter(contract=contract).update(happened_at=F("happened_at") - back)

    errors: list[str] = []
    screen = Screen(browser, live_server, cw.head, errors, DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto(f"/contracts/{contract.pk}/")
    timeline = page.get_by_test_id("contract-timeline")
    expect(timeline.locator("[data-kind=escalated]")).to_contain_text("通知项目经理")
    expect(timeline.locator("[data-kind=reminded]")).to_have_count(2)
    expect(page.get_by_test_id("contract-days-left")).to_contain_text("30")
    screen.shot("1-contract-escalating-desktop")

    screen_phone = Screen(browser, live_server, cw.manager, errors, PHONE, shots=SHOTS)
    screen_phone.goto(f"/contracts/{contract.pk}/")
    expect(screen_phone.page.locator("[data-kind=escalated]")).to_be_visible()
    screen_phone.shot("2-contract-escalating-phone")
    screen_phone.close()

    # A contract ending before it starts is refused on the form, naming the end date.
    screen_admin = Screen(browser, live_server, cw.admin, errors, DESKTOP, shots=SHOTS)
    admin_page = screen_admin.page
    screen_admin.goto(f"/contracts/new/?contractor={cw.firm.pk}")
    admin_page.fill("#id_number", "WB-009")
    admin_page.fill("#id_title", "消防维保")
    admin_page.select_option("#id_owner", str(cw.head_member.pk))
    admin_page.fill("#id_starts_on", "2027-03-01")
    admin_page.fill("#id_ends_on", "2027-02-01")
    admin_page.fill("#id_amount", "50000")
    admin_page.select_option("#id_projects", str(cw.project.pk))
    admin_page.get_by_test_id("contract-save").click()
    expect(admin_page.locator(".invalid-feedback[data-field=ends_on]")).to_contain_text(
        "结束日期不能早于开始日期"
    )
    screen_admin.shot("3-contract-form-error")
    errors[:] = [e for e in errors if "422" not in e]
    screen_admin.close()

    # The owner decides: renew. The successor draft opens, linked to the old contract.
    page.select_option("#id_decision", "renew")
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("contract-title")).to_contain_text("WB-001-R1")
    screen.shot("4-renewed-successor")
    screen.goto(f"/facilities/equipment/{cw.lift.pk}/")
    expect(page.get_by_test_id("equipment-maintainer")).to_contain_text("日立电梯维保站")
    screen.shot("5-equipment-maintainer")
    screen.close()
    assert Contract.objects.get(renewed_from=contract).status == "draft"
    assert not errors, errors
