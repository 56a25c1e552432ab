"""The loops as people see them: a unit's statement with a paid-service bill linked to its request,
a late fee shown apart and a 买单式 line; a receipt on A5 and on an 80 mm roll (as printed); the
refund's own document; a resident asking for an invoice on a phone and downloading it once finance
issued it through the (fake) invoicing service. Screenshots go to /tmp/shots/billing-loops/ (copied
to docs/screens/billing/)."""

import datetime
import os
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from guanjia.billing import services
from guanjia.billing.models import InvoiceRequest
from guanjia.billing.tests.conftest import completed_paid_service, generate, pay
from guanjia.billing.tests.test_loops import closed_survey
from guanjia.testing.browser import DESKTOP, Screen
from guanjia.testing.fake_invoicing import APP_ID, SECRET, FakeInvoicing
from guanjia.tickets import services as ticket_services

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/billing-loops")


def test_statement_receipts_refund_note_and_an_invoice_on_screens(sw, live_server, browser, clock):
    clock(datetime.date(2026, 8, 1))
    generate(sw, "2026-08", datetime.date(2026, 8, 31))
    closed_survey(sw, period="2026Q3", scores=[5, 4, 4, 3])
    services.fee_settlements_apply(actor=sw.manager, project=sw.project, period="2026-08")
    services.late_fee_policy_set(
        actor=sw.manager,
        data={
            "project_id": sw.project.pk,
            "enabled": True,
            "grace_days": 5,
            "starts_on": datetime.date(2026, 8, 1),
        },
    )
    clock(datetime.date(2026, 9, 30), hour=23)
    services.late_fees_accrue()  # 25 days after the grace date: 201.38 × 0.0005 × 25 = 2.52
    ticket_services.ticket_act(actor=sw.butler, ticket=completed_paid_service(sw), action="confirm_charges")
    payment, _created = pay(sw, sw.unit, "1234.56", "k-shot", payer="王先生")
    refund = services.correction_request(
        actor=sw.desk,
        data={"kind": "refund", "payment_id": payment.pk, "amount": "100.05", "reason": "多缴退回"},
    )
    services.correction_decide(actor=sw.manager, correction=refund, approve=True)

    errors: list[str] = []
    screen = Screen(browser, live_server, sw.desk, errors, viewport=DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto(f"/billing/units/{sw.unit.pk}/")
    expect(page.get_by_test_id("bill-service")).to_be_visible()
    expect(page.get_by_test_id("bill-settlement").first).to_contain_text("90")
    expect(page.get_by_test_id("bill-late-fee")).to_contain_text("2.52")
    screen.shot("statement-loops")
    screen.goto(f"/billing/receipts/{payment.pk}/?size=a5")
    expect(page.get_by_test_id("amount-words")).to_contain_text("壹仟贰佰叁拾肆元伍角陆分")
    screen.shot("receipt-a5")
    page.emulate_media(media="print")
    screen.goto(f"/billing/receipts/{payment.pk}/?size=80mm")
    page.set_viewport_size({"width": 320, "height": 900})  # an 80 mm roll (72 mm printed) at 96 dpi
    screen.shot("receipt-80mm-print")
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="screen")
    screen.goto(f"/billing/refunds/{refund.pk}/")
    expect(page.get_by_test_id("refund-note")).to_contain_text("壹佰元零伍分")
    screen.shot("refund-note")
    screen.close()

    resident = Screen(browser, live_server, sw.resident_user, errors, shots=SHOTS)
    page = resident.page
    resident.goto("/portal/bills/")
    resident.shot("portal-bills-loops")
    resident.goto(f"/portal/bills/receipts/{payment.pk}/")
    page.fill("#id_title", "金苑科技有限公司")
    page.fill("#id_tax_no", "91440300MA5G8XXX1K")
    page.fill("#id_email", "wang@example.com")
    page.click("button:has-text('申请开票')")
    expect(page.get_by_test_id("invoice-requested")).to_be_visible()
    with (
        FakeInvoicing() as fake,
        override_settings(
            GUANJIA_INVOICE_URL=fake.url, GUANJIA_INVOICE_APP_ID=APP_ID, GUANJIA_INVOICE_SECRET=SECRET
        ),
    ):
        finance = Screen(browser, live_server, sw.manager, errors, viewport=DESKTOP, shots=SHOTS)
        finance.goto("/billing/invoices/")
        finance.shot("invoice-queue")
        finance.page.get_by_test_id("invoice-issue").click()
        expect(finance.page.locator(".alert").first).to_contain_text("已处理")
        finance.close()
    invoice = InvoiceRequest.objects.get()
    assert invoice.status == "issued" and invoice.document
    resident.goto(f"/portal/bills/receipts/{payment.pk}/")
    expect(page.get_by_test_id("invoice-download")).to_be_visible()
    resident.shot("portal-invoice-issued")
    href = page.get_by_test_id("invoice-download").get_attribute("href")
    assert page.request.get(f"{resident.url}{href}").body().startswith(b"%PDF")
    resident.close()
    assert not errors
