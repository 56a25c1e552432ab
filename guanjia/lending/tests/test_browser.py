"""A loan returned late: the desk lends a wheelchair on the form, the loan runs past its due day
(the clock moved back when it was made), the reminder job tells the owner, the desk finds it on the
overdue list and takes it back; the owner sees it in the portal on a phone.
Screenshots go to /tmp/shots/lending/."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.lending import services
from guanjia.lending.choices import ReturnCondition
from guanjia.lending.models import Loan, LoanReminder
from guanjia.lending.tests.conftest import days_ago
from guanjia.testing.browser import DESKTOP, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/lending")


def test_a_loan_returned_late(lw, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    screen = Screen(browser, live_server, lw.desk, errors, DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto("/lending/new/")
    page.select_option("#id_item", str(lw.wheelchair.pk))
    page.select_option("#id_unit", str(lw.unit.pk))
    page.fill("#id_borrower_name", "王阿姨")
    page.fill("#id_borrower_phone", "13800138000")
    page.fill("#id_quantity", "0")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator(".invalid-feedback[data-field=quantity]")).to_contain_text("借用数量至少为 1")
    screen.shot("1-loan-form-error")
    # The refused form answered 422 on purpose; the console's "failed to load" for it is no error.
    errors[:] = [e for e in errors if "422" not in e]
    page.fill("#id_quantity", "1")
    page.check("#id_id_checked")
    page.fill("#id_id_number", "110101195001011234")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_test_id("loan-state")).to_have_text("借出中")
    screen.shot("2-loan-made")
    screen.context.close()

    # Three days later than it should have been: the loan was made 10 days ago, due 3 days ago.
    loan = Loan.objects.get()
    Loan.objects.filter(pk=loan.pk).update(
        lent_at=days_ago(10), due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    assert services.remind_overdue() == 1 and services.remind_overdue() == 0
    assert LoanReminder.objects.filter(loan=loan).count() == 1

    screen = Screen(browser, live_server, lw.resident_user, errors, shots=SHOTS)
    screen.goto("/portal/loans/")
    expect(screen.page.get_by_test_id("my-loan")).to_contain_text("逾期未还")
    screen.shot("3-owner-sees-overdue-phone")
    screen.context.close()

    screen = Screen(browser, live_server, lw.desk, errors, DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto("/lending/?state=overdue")
    expect(page.get_by_test_id("loan-table")).to_contain_text("轮椅")
    screen.shot("4-overdue-list")
    page.get_by_test_id("loan-table").get_by_role("link", name="轮椅").click()
    expect(page.get_by_test_id("loan-reminders")).to_be_visible()
    page.select_option("#id_condition", ReturnCondition.GOOD)
    page.get_by_test_id("return-submit").click()
    expect(page.get_by_test_id("loan-returned")).to_contain_text("完好")
    screen.shot("5-returned-late")
    screen.context.close()

    loan.refresh_from_db()
    assert loan.returned_at is not None and loan.returned_at.date() > loan.due_on
    assert lw.wheelchair.__class__.objects.get(pk=lw.wheelchair.pk).on_hand == 2
    assert not errors, errors
