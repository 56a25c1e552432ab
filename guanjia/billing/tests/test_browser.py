"""A cashier on a 390 px phone takes a payment on a unit's statement; the resident reads their bills
and receipt on theirs; the bill list, arrears and collection pages fit the screen. Screenshots go to
/tmp/shots/billing/."""

import datetime
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.billing.models import Payment
from guanjia.billing.tests.conftest import generate
from guanjia.testing.browser import Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/billing")


def test_cashier_takes_a_payment_and_the_resident_sees_the_receipt_on_phones(bw, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    generate(bw, "2026-01", datetime.date(2026, 1, 31))
    errors: list[str] = []
    screen = Screen(browser, live_server, bw.desk, errors, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/billing/units/{bw.unit.pk}/")
    screen.shot("statement")
    page.fill("#id_amount", "300.00")
    page.fill("#id_payer", "张先生")
    page.click("button:has-text('确认收款')")
    expect(page.locator(".alert").first).to_contain_text("JY-SK")
    expect(page.get_by_test_id("balance")).to_contain_text("76.25")
    assert Payment.objects.count() == 1
    for path, name in (
        ("/billing/", "bills"),
        ("/billing/arrears/", "arrears"),
        ("/billing/collection/", "collection"),
    ):
        page.goto(f"{live_server.url}{path}")
        screen.shot(name)
    context.close()

    screen = Screen(browser, live_server, bw.resident_user, errors, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/portal/bills/")
    expect(page.get_by_test_id("my-units")).to_contain_text("76.25")
    screen.shot("portal")
    page.get_by_test_id("my-receipts").locator("a").first.click()
    expect(page.get_by_test_id("receipt")).to_contain_text("300.00")
    screen.shot("receipt")
    context.close()
    assert not errors
