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
from guanjia.testing import factories as f
from guanjia.web.tests.test_browser import browser  # noqa: F401  (the browser fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots/billing")


def _phone(browser, live_server, user, errors):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def _shot(page, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name}: page is {overflow}px wider than the screen"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_cashier_takes_a_payment_and_the_resident_sees_the_receipt_on_phones(bw, live_server, browser):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    generate(bw, "2026-01", datetime.date(2026, 1, 31))
    errors: list[str] = []
    context, page = _phone(browser, live_server, bw.desk, errors)
    page.goto(f"{live_server.url}/billing/units/{bw.unit.pk}/")
    _shot(page, "statement")
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
        _shot(page, name)
    context.close()

    context, page = _phone(browser, live_server, bw.resident_user, errors)
    page.goto(f"{live_server.url}/portal/bills/")
    expect(page.get_by_test_id("my-units")).to_contain_text("76.25")
    _shot(page, "portal")
    page.get_by_test_id("my-receipts").locator("a").first.click()
    expect(page.get_by_test_id("receipt")).to_contain_text("300.00")
    _shot(page, "receipt")
    context.close()
    assert not errors
