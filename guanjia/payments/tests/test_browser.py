"""A resident pays two bills on a 390 px phone against the fake gateway: the pay page, the order
with its QR code, the callback arriving three times (posted once), then billing's receipt. The desk's QR code
and the order list fit a phone too. Screenshots go to docs/screens/payments/."""

import datetime
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.billing.models import Bill, Payment
from guanjia.billing.tests.conftest import generate
from guanjia.payments import services
from guanjia.payments.models import PayOrder
from guanjia.testing.browser import Screen
from guanjia.testing.fake_wechatpay import FakeWeChatPay, merchant_settings

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screens" / "payments"


def test_a_resident_pays_two_bills_on_a_phone(bw, live_server, browser, settings):
    with FakeWeChatPay() as gw:  # callbacks over HTTP to the live server, as the gateway sends them
        settings.GUANJIA_WECHATPAY_ENDPOINT = gw.url
        settings.GUANJIA_PAYMENTS_NOTIFY_BASE = live_server.url
        services.merchant_account_save(actor=bw.admin, data=merchant_settings())
        generate(bw, "2026-09", datetime.date(2026, 9, 30))
        generate(bw, "2026-10", datetime.date(2026, 10, 31))
        errors: list[str] = []
        screen = Screen(browser, live_server, bw.resident_user, errors, shots=SHOTS)
        page = screen.page
        screen.goto("/portal/pay/")
        for bill in Bill.objects.filter(unit=bw.unit):
            expect(page.get_by_test_id(f"bill-{bill.pk}")).to_be_checked()
        screen.shot("1-portal-pay")
        page.get_by_test_id("pay-submit").click()
        expect(page.get_by_test_id("order-amount")).to_contain_text("447.50")
        expect(page.get_by_test_id("pay-qr")).to_be_visible()
        screen.shot("2-order-qr")
        order = PayOrder.objects.get()
        gw.pay(order.out_trade_no, repeat=3)  # the resident scans and pays; the callback comes three times
        assert [m.statuses for m in gw.sent] == [[204, 204, 204]]
        expect(page.get_by_test_id("order-status")).to_contain_text("支付成功")
        expect(page.get_by_test_id("pay-qr")).to_have_count(0)  # paid: the QR code is gone
        screen.shot("3-paid")
        assert Payment.objects.count() == 1
        page.get_by_test_id("order-status").locator("a").click()
        expect(page.get_by_test_id("receipt")).to_contain_text("447.50")  # billing's receipt page
        screen.close()

        desk = Screen(browser, live_server, bw.desk, errors, shots=SHOTS)
        desk.goto(f"/payments/desk/?unit={bw.other_unit.pk}")
        desk.page.get_by_test_id("desk-native").click()
        expect(desk.page.get_by_test_id("pay-qr")).to_be_visible()
        desk.shot("5-desk-qr")
        desk.goto("/payments/")
        expect(desk.page.get_by_test_id("orders")).to_contain_text("447.50")
        desk.shot("6-orders")
        desk.close()
        assert not errors
