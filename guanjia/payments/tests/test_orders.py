"""Orders: bills chosen in the portal (or at the desk), the amount computed from them, each bill in
one open order at most, unpaid orders closed after 30 minutes with their bills freed."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from guanjia.billing.models import Bill
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.payments import services
from guanjia.payments.choices import OrderStatus
from guanjia.payments.models import PayOrder, PayOrderBill
from guanjia.payments.tests.conftest import open_order
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


def test_a_resident_pays_two_bills_in_one_order_at_the_server_computed_amount(pw):
    order = open_order(pw, pw.bills)
    assert order.amount == Decimal("447.50")
    assert order.status == OrderStatus.OPEN and order.prepay_id.startswith("wx")
    assert sorted(order.bills.values_list("bill_id", flat=True)) == sorted(b.pk for b in pw.bills)
    sent = json.loads(pw.gw.requests[-1]["body"])
    assert pw.gw.requests[-1]["path"] == "/v3/pay/transactions/jsapi"
    assert sent["amount"] == {"total": 44750, "currency": "CNY"}
    assert sent["payer"] == {"openid": "oResident1201xxxxxxxxxxxxxx"}
    assert sent["notify_url"].endswith(f"/payments/notify/wechat/{pw.company.pk}/{pw.project.pk}/")


def test_h5_and_native_orders_get_their_links(pw):
    h5 = open_order(pw, pw.bills[:1], channel="h5")
    assert h5.h5_url.startswith("https://wx.tenpay.com/")
    native = open_order(pw, pw.bills[1:], channel="native")
    assert native.code_url.startswith("weixin://wxpay/bizpayurl")


def test_jsapi_needs_a_bound_wechat(pw):
    with pytest.raises(Exception) as exc:
        open_order(pw, pw.other_bills, actor=pw.other_resident_user)
    assert "channel" in exc.value.message_dict
    assert not PayOrder.objects.exists()


def test_a_bill_in_an_open_order_cannot_be_in_another(pw):
    open_order(pw, pw.bills[:1])
    with pytest.raises(Conflict):
        open_order(pw, pw.bills, channel="h5")
    assert PayOrder.objects.count() == 1
    assert PayOrderBill.objects.filter(held=True).count() == 1


@pytest.mark.parametrize("whose", ["other_unit", "other_company"])
def test_bills_of_another_unit_or_company_are_refused_naming_the_field(pw, whose):
    if whose == "other_unit":
        bill = pw.other_bills[0]
    else:
        foreign_unit = f.UnitFactory(building=f.BuildingFactory(project=pw.foreign_project))
        bill = Bill.objects.create(
            company=pw.other_company,
            project=pw.foreign_project,
            unit=foreign_unit,
            period="2026-09",
            kind="periodic",
            due_on="2026-09-30",
            total=Decimal("100.00"),
            issued_at=timezone.now(),
        )
    with pytest.raises(Exception) as exc:
        open_order(pw, [pw.bills[0], bill])
    assert list(exc.value.message_dict) == ["bill_ids"]
    assert not PayOrder.objects.exists() and not pw.gw.requests


def test_the_desk_opens_a_native_order_only_for_one_unit(pw):
    order = open_order(pw, pw.bills, channel="native", actor=pw.desk)
    assert order.code_url and order.created_by == pw.desk
    with pytest.raises(Exception) as exc:
        open_order(pw, pw.other_bills, channel="jsapi", actor=pw.desk)
    assert "channel" in exc.value.message_dict
    with pytest.raises(Exception) as exc:
        open_order(pw, [pw.other_bills[0], pw.bills[0]], channel="native", actor=pw.desk)
    assert "bill_ids" in exc.value.message_dict
    with pytest.raises(NotAllowed):
        open_order(pw, pw.other_bills, channel="native", actor=pw.technician)


def test_a_paid_bill_cannot_be_ordered(pw):
    from guanjia.billing.tests.conftest import pay

    pay(pw, pw.unit, "223.75", "cash-1")
    with pytest.raises(Exception) as exc:
        open_order(pw, pw.bills)
    assert "bill_ids" in exc.value.message_dict


def test_unpaid_orders_close_after_30_minutes_and_free_their_bills(pw, later):
    order = open_order(pw, pw.bills)
    later(29)
    assert services.close_expired() == 0
    later(31)
    assert services.close_expired() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.closed_at
    assert pw.gw.trades[order.out_trade_no].trade_state == "CLOSED"
    assert not PayOrderBill.objects.filter(held=True).exists()
    assert services.close_expired() == 0  # twice changes nothing
    again = open_order(pw, pw.bills)  # the bills are free again
    assert again.status == OrderStatus.OPEN


def test_a_refused_order_is_closed_at_once(pw, settings):
    from guanjia.payments.models import MerchantAccount

    MerchantAccount.objects.update(appid="wx0000000000000000")  # the gateway does not know this app
    with pytest.raises(Exception):
        open_order(pw, pw.bills)
    order = PayOrder.objects.get()
    assert order.status == OrderStatus.CLOSED and "appid" in order.close_reason
    assert not PayOrderBill.objects.filter(held=True).exists()
