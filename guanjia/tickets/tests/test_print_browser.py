"""On paper (the browser's print media) a work order and a receipt are the sheet alone, black on
white: no navigation, no buttons. Screenshots at 1280 px and 390 px go to /tmp/shots/print/."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.billing import services as billing
from guanjia.testing.browser import DESKTOP, PHONE, Screen
from guanjia.tickets.choices import Action
from guanjia.tickets.tests.test_views import act, reported

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/print")


def _on_paper(screen, name):
    page = screen.page
    expect(page.locator("nav.navbar")).to_be_visible()
    expect(page.get_by_test_id("print")).to_be_visible()
    screen.shot(name)
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_test_id("print")).to_be_hidden()
    colours = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    screen.shot(f"{name}-print")
    page.emulate_media(media="screen")


def test_work_order_and_receipt_print_as_the_sheet_alone(tw, live_server, browser):
    ticket = reported(tw, contact_name="王先生")
    act(tw.desk, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    item = billing.charge_item_create(
        actor=tw.admin, data={"name": "物业管理费", "kind": "area", "unit_price": Decimal("2.50")}
    )
    billing.project_charge_create(actor=tw.admin, data={"project_id": tw.project.pk, "item_id": item.pk})
    billing.bills_generate(
        actor=tw.manager, project=tw.project, period="2026-09", due_on=datetime.date(2026, 9, 30)
    )
    payment, _ = billing.payment_post(
        actor=tw.desk,
        data={"unit_id": tw.unit.pk, "amount": Decimal("1234.56"), "method": "cash", "idempotency_key": "p"},
    )
    errors: list[str] = []
    for viewport, label in ((DESKTOP, "1280"), (PHONE, "390")):
        screen = Screen(browser, live_server, tw.desk, errors, viewport=viewport, shots=SHOTS)
        screen.goto(f"/tickets/{ticket.pk}/")
        screen.page.get_by_test_id("print-work-order").click()
        expect(screen.page.get_by_test_id("work-order")).to_contain_text("厨房水管漏水")
        _on_paper(screen, f"work-order-{label}")
        screen.goto(f"/billing/receipts/{payment.pk}/")
        expect(screen.page.get_by_test_id("amount-words")).to_contain_text("壹仟贰佰叁拾肆元伍角陆分")
        _on_paper(screen, f"receipt-{label}")
        screen.close()
    assert not errors
