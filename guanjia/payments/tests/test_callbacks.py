"""Callbacks: verified with the platform key, decrypted with the APIv3 key, checked against the
order, posted exactly once through billing; repeats, late and out-of-order ones change nothing; a
forged or tampered one changes nothing and is recorded; no callback → the query job posts it."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from guanjia.billing.models import LedgerEntry, Payment
from guanjia.billing.selectors import open_bills
from guanjia.payments import services
from guanjia.payments.choices import NoticeOutcome, OrderStatus
from guanjia.payments.models import GatewayNotice, PayOrderBill
from guanjia.payments.tests.conftest import open_order
from guanjia.testing import fake_wechatpay as fake

pytestmark = pytest.mark.django_db


def outcomes():
    return list(GatewayNotice.objects.order_by("id").values_list("outcome", flat=True))


def test_a_repeated_callback_posts_once_and_pays_the_chosen_bills(pw):
    order = open_order(pw, pw.bills)
    pw.gw.pay(order.out_trade_no, repeat=3)
    assert [m.statuses for m in pw.gw.sent] == [[204, 204, 204]]
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert order.status == OrderStatus.PAID and order.payment == payment
    assert payment.amount == Decimal("447.50") and payment.method == "online"
    assert payment.reference == order.transaction_id == pw.gw.trades[order.out_trade_no].transaction_id
    assert payment.received_by is None
    assert not list(open_bills(pw.unit.pk))
    assert outcomes() == [NoticeOutcome.POSTED, NoticeOutcome.DUPLICATE, NoticeOutcome.DUPLICATE]
    assert not PayOrderBill.objects.filter(held=True).exists()


def test_the_order_s_bills_are_paid_first_not_the_oldest(pw):
    order = open_order(pw, pw.bills[1:])  # October only
    pw.gw.pay(order.out_trade_no)
    assert [b.pk for b in open_bills(pw.unit.pk)] == [pw.bills[0].pk]


def test_a_forged_callback_changes_nothing_and_is_recorded(pw):
    order = open_order(pw, pw.bills)
    trade = pw.gw.trades[order.out_trade_no]
    trade.trade_state, trade.transaction_id, trade.success_time = (
        "SUCCESS",
        "4200000000000000000000000001",
        ("2026-12-03T10:00:00+08:00"),
    )
    forged = pw.gw.callback(
        trade.params["notify_url"],
        "TRANSACTION.SUCCESS",
        "transaction",
        trade.as_json(),
        key=fake.keys()["forger"],
    )
    assert pw.gw.send(forged) == 401
    wrong_key = pw.gw.callback(
        trade.params["notify_url"],
        "TRANSACTION.SUCCESS",
        "transaction",
        trade.as_json(),
        apiv3_key="X" * 32,
    )
    assert pw.gw.send(wrong_key) == 401
    tampered = pw.gw.callback(
        trade.params["notify_url"], "TRANSACTION.SUCCESS", "transaction", trade.as_json()
    )
    tampered.body = tampered.body.replace(b'"TRANSACTION.SUCCESS"', b'"TRANSACTION.SUCCESS" ')
    assert pw.gw.send(tampered) == 401
    assert not Payment.objects.exists() and not LedgerEntry.objects.filter(kind="payment").exists()
    assert outcomes() == [NoticeOutcome.REJECTED] * 3
    assert GatewayNotice.objects.filter(verified=False).count() == 3


def test_the_failure_answer_is_wechat_s(pw):
    response = Client().post(
        f"/payments/notify/wechat/{pw.company.pk}/{pw.project.pk}/",
        data=b"{}",
        content_type="application/json",
    )
    assert response.status_code == 401
    assert (
        set(json.loads(response.content)) == {"code", "message"}
        and json.loads(response.content)["code"] == "FAIL"
    )


def test_an_amount_that_does_not_match_is_not_posted(pw):
    order = open_order(pw, pw.bills)
    trade = pw.gw.pay(order.out_trade_no, drop=True)
    resource = trade.as_json()
    resource["amount"] = {**resource["amount"], "total": 1}
    assert (
        pw.gw.send(pw.gw.callback(trade.params["notify_url"], "TRANSACTION.SUCCESS", "transaction", resource))
        == 204
    )
    assert not Payment.objects.exists()
    assert outcomes() == [NoticeOutcome.MISMATCH]


def test_no_callback_the_query_job_posts_and_the_late_callback_changes_nothing(pw, later):
    order = open_order(pw, pw.bills)
    pw.gw.pay(order.out_trade_no, hold=True)
    assert services.query_unnotified() == 0  # too early to ask
    later(4)
    assert services.query_unnotified() == 1
    assert services.query_unnotified() == 0  # asked already: nothing more
    assert pw.gw.release() == [204]
    assert Payment.objects.count() == 1
    assert outcomes() == [NoticeOutcome.POSTED, NoticeOutcome.DUPLICATE]


def test_money_for_a_closed_order_is_kept_as_credit_and_flagged_for_refund(pw, later):
    order = open_order(pw, pw.bills)
    later(31)
    services.close_expired()
    cash_order = open_order(pw, pw.bills, channel="h5")  # the bills are free again
    # Suppose the first order was paid at the last second; its callback arrives now.
    trade = pw.gw.trades[order.out_trade_no]
    trade.trade_state, trade.transaction_id, trade.success_time = (
        "SUCCESS",
        "4200000000000000000000000099",
        ("2026-12-03T10:00:00+08:00"),
    )
    msg = pw.gw.callback(trade.params["notify_url"], "TRANSACTION.SUCCESS", "transaction", trade.as_json())
    assert pw.gw.send(msg) == 204
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refund_due
    assert outcomes()[-1] == NoticeOutcome.LATE
    # Kept whole as credit: the bills are still owed and still held by the new order.
    assert len(list(open_bills(pw.unit.pk))) == 2
    assert PayOrderBill.objects.filter(order=cash_order, held=True).count() == 2
    assert LedgerEntry.objects.filter(payment=order.payment, bill__isnull=True).get().amount == Decimal(
        "-447.50"
    )


def test_a_callback_for_an_order_we_do_not_know_asks_for_a_retry(pw):
    msg = pw.gw.callback(
        f"http://testserver/payments/notify/wechat/{pw.company.pk}/{pw.project.pk}/",
        "TRANSACTION.SUCCESS",
        "transaction",
        {
            "out_trade_no": "NOPE",
            "trade_state": "SUCCESS",
            "mchid": fake.MCHID,
            "appid": fake.APPID,
            "transaction_id": "1",
            "amount": {"total": 1},
        },
    )
    assert pw.gw.send(msg) == 404
    assert outcomes() == [NoticeOutcome.UNKNOWN_ORDER]
