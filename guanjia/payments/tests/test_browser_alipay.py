"""Alipay in the browser against the fake gateway. A resident on a 390 px phone pays two bills with
Alipay's QR code, the notify arriving three times over HTTP (posted once); finance, on a desktop,
resolves the three kinds of reconciliation difference (post, refund, explained) on the page.
Screenshots go to docs/screens/payments/alipay-*.png."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.billing import selectors
from guanjia.billing.choices import BillStatus
from guanjia.billing.models import Bill, Payment
from guanjia.payments import services
from guanjia.payments.choices import DiffKind
from guanjia.payments.models import PayOrder, ReconDifference
from guanjia.payments.tests.conftest import open_order
from guanjia.testing.browser import DESKTOP, Screen
from guanjia.testing.fake_alipay import FakeAlipay

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screens" / "payments"


def test_a_resident_pays_two_bills_with_alipay_on_a_phone(aw, live_server, browser, settings):
    # Notifies over HTTP to the live server, as Alipay sends them.
    settings.GUANJIA_PAYMENTS_NOTIFY_BASE = live_server.url
    aw.ali.deliver = FakeAlipay._http_post
    errors: list[str] = []
    screen = Screen(browser, live_server, aw.resident_user, errors, shots=SHOTS)
    page = screen.page
    screen.goto("/portal/pay/")
    for bill in aw.bills:
        expect(page.get_by_test_id(f"bill-{bill.pk}")).to_be_checked()
    screen.shot("alipay-1-portal-pay")
    page.get_by_test_id("pay-alipay").click()
    expect(page.get_by_test_id("order-amount")).to_contain_text("447.50")
    expect(page.get_by_test_id("pay-qr")).to_contain_text("支付宝扫一扫")
    screen.shot("alipay-2-order-qr")
    order = PayOrder.objects.get()
    assert order.provider == "alipay" and {ob.bill_id for ob in order.bills.all()} == {b.pk for b in aw.bills}
    aw.ali.scan(order.out_trade_no)
    aw.ali.pay(order.out_trade_no, repeat=3)  # paid; the notify comes three times
    assert [m.answers for m in aw.ali.sent] == [["success"] * 3]
    expect(page.get_by_test_id("order-status")).to_contain_text("支付成功")
    expect(page.get_by_test_id("pay-qr")).to_have_count(0)
    screen.shot("alipay-3-paid")
    screen.close()
    assert Payment.objects.count() == 1 and Payment.objects.get().amount == order.amount
    bills = selectors.with_amounts(Bill.objects.filter(pk__in=[b.pk for b in aw.bills]))
    assert [b.status for b in bills] == [BillStatus.PAID] * 2
    assert not errors


def test_finance_resolves_three_alipay_differences(aw, live_server, browser):
    changed = open_order(aw, aw.bills[:1], channel="alipay_qr")
    missing = open_order(aw, aw.bills[1:], channel="alipay_qr")
    unposted = open_order(aw, aw.other_bills[:1], channel="alipay_qr", actor=aw.desk)
    aw.ali.pay(changed.out_trade_no)
    aw.ali.pay(missing.out_trade_no)
    aw.ali.pay(unposted.out_trade_no, drop=True)  # paid at Alipay, its notify lost
    aw.ali.bill_amounts[changed.out_trade_no] = 22000  # the bill says 220.00, we posted 223.75
    aw.ali.bill_omit.add(missing.out_trade_no)  # the bill leaves out a payment we posted
    assert Payment.objects.count() == 2
    counts = services.reconcile_day(company_id=aw.company.pk, day=timezone.localdate())
    assert {k: v for k, v in counts.items() if v} == {
        DiffKind.GATEWAY_ONLY: 1,
        DiffKind.LEDGER_ONLY: 1,
        DiffKind.AMOUNT: 1,
    }

    errors: list[str] = []
    screen = Screen(browser, live_server, aw.manager, errors, viewport=DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto("/payments/reconciliation/")
    lines = page.get_by_test_id("recon-lines")
    expect(lines.locator(".list-group-item")).to_have_count(3)
    expect(lines).to_contain_text("渠道有、账上无")
    expect(lines).to_contain_text("账上有、渠道无")
    expect(lines).to_contain_text("金额不符")
    expect(lines).to_contain_text("220.00")
    # Only money at the gateway can be posted; the other lines offer refund or explained.
    expect(lines.locator("option[value=posted]")).to_have_count(1)
    screen.shot("alipay-4-reconciliation")
    for order, resolution, note in (
        (unposted, "posted", ""),
        (missing, "refund", "向业主核实后退款"),
        (changed, "explained", "渠道手续费另计"),
    ):
        line = lines.locator(".list-group-item", has_text=order.out_trade_no)
        line.locator("select[name=resolution]").select_option(resolution)
        line.locator("input[name=note]").fill(note)
        line.get_by_role("button", name="处理").click()
        expect(line).to_have_count(0)  # resolved: gone from the open lines
        expect(page.get_by_test_id("recon-message")).to_contain_text("已处理")
    expect(lines).to_contain_text("没有差异")
    screen.goto("/payments/reconciliation/?all=1")
    for order, shown in (
        (unposted, "已补入账"),
        (missing, "退款处理：向业主核实后退款"),
        (changed, "已说明：渠道手续费另计"),
    ):
        expect(lines.locator(".list-group-item", has_text=order.out_trade_no)).to_contain_text(shown)
    screen.shot("alipay-5-resolved")
    screen.close()
    assert not ReconDifference.objects.filter(resolution="").exists()
    unposted.refresh_from_db()
    assert unposted.status == "paid" and unposted.payment.amount == unposted.amount
    assert Payment.objects.count() == 3
    assert not errors
