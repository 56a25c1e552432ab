"""Alipay against the local fake gateway: phone web pay and QR, the async notify verified (RSA2 with
Alipay's public key) and posted exactly once, tampered or forged notifies refused and recorded, the
query job, the close after 30 minutes, a late payment flagged, refunds through alipay.trade.refund."""

import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlparse

import pytest
from django.test import Client

from guanjia.billing import services as billing
from guanjia.billing.models import LedgerEntry, Payment
from guanjia.billing.selectors import open_bills
from guanjia.payments import alipay, config, services
from guanjia.payments.choices import NoticeOutcome, OrderStatus, RefundStatus
from guanjia.payments.models import GatewayNotice, GatewayRefund, PayOrder, PayOrderBill
from guanjia.payments.tests.conftest import open_order
from guanjia.testing import fake_alipay

pytestmark = pytest.mark.django_db


def outcomes():
    return list(GatewayNotice.objects.order_by("id").values_list("outcome", flat=True))


def calls(gw, method):
    return [r for r in gw.requests if r.get("method") == method]


def test_a_resident_pays_two_bills_on_the_phone_and_a_notify_repeated_3_times_posts_once(aw):
    order = open_order(aw, aw.bills, channel="alipay_wap")
    assert order.provider == "alipay" and order.amount == Decimal("447.50")
    assert order.appid == fake_alipay.APP_ID and order.mchid == fake_alipay.SELLER_ID
    link = urlparse(order.h5_url)
    params = dict(parse_qsl(link.query))
    assert order.h5_url.startswith(aw.ali.gateway + "?") and params["method"] == "alipay.trade.wap.pay"
    biz = json.loads(params["biz_content"])
    assert biz["total_amount"] == "447.50" and biz["product_code"] == "QUICK_WAP_PAY"
    assert (
        params["notify_url"] == f"http://testserver/payments/notify/alipay/{aw.company.pk}/{aw.project.pk}/"
    )
    assert params["return_url"] == f"http://testserver/portal/pay/{order.out_trade_no}/"
    assert aw.ali.open_link(order.h5_url) == 200  # the fake checked the signature and made the trade
    assert aw.ali.trades[order.out_trade_no].created

    aw.ali.pay(order.out_trade_no, repeat=3)
    assert [m.answers for m in aw.ali.sent] == [["success", "success", "success"]]
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert order.status == OrderStatus.PAID and order.payment == payment
    assert payment.amount == Decimal("447.50") and payment.method == "online" and payment.payer == "支付宝"
    assert payment.reference == order.transaction_id == aw.ali.trades[order.out_trade_no].trade_no
    assert not list(open_bills(aw.unit.pk))
    assert outcomes() == [NoticeOutcome.POSTED, NoticeOutcome.DUPLICATE, NoticeOutcome.DUPLICATE]
    assert set(GatewayNotice.objects.values_list("provider", flat=True)) == {"alipay"}


def test_qr_at_the_desk_and_in_the_portal(aw):
    order = open_order(aw, aw.bills[:1], channel="alipay_qr", actor=aw.desk)
    assert order.code_url.startswith("https://qr.alipay.com/")
    sent = calls(aw.ali, "alipay.trade.precreate")[-1]
    assert json.loads(sent["biz_content"])["total_amount"] == "223.75"
    desk = Client()
    desk.force_login(aw.desk)
    assert "<svg" in desk.get(f"/payments/orders/{order.pk}/").content.decode()
    with pytest.raises(Exception) as exc:
        open_order(aw, aw.bills[1:], channel="alipay_wap", actor=aw.desk)
    assert "channel" in exc.value.message_dict


def test_tampered_forged_and_foreign_notifies_change_nothing_and_are_recorded(aw):
    order = open_order(aw, aw.bills, channel="alipay_qr")
    trade = aw.ali.pay(order.out_trade_no, drop=True)
    tampered = aw.ali.notify_for(trade)
    tampered.params["total_amount"] = "0.01"  # changed after signing
    forged = aw.ali.notify_for(trade, key=fake_alipay.keys()["forger"])
    foreign = aw.ali.notify_for(trade, app_id="2021009999999999")  # signed by Alipay, for another app
    unsigned = aw.ali.notify_for(trade)
    del unsigned.params["sign"]
    assert [aw.ali.send(m) for m in (tampered, forged, foreign, unsigned)] == ["failure"] * 4
    assert not Payment.objects.exists() and not LedgerEntry.objects.filter(kind="payment").exists()
    assert outcomes() == [NoticeOutcome.REJECTED] * 4
    assert GatewayNotice.objects.filter(verified=False, provider="alipay").count() == 4
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    # The genuine one still posts.
    assert aw.ali.send(aw.ali.notify_for(trade)) == "success"
    assert Payment.objects.count() == 1


def test_a_signed_notify_with_another_amount_is_not_posted(aw):
    order = open_order(aw, aw.bills, channel="alipay_qr")
    trade = aw.ali.pay(order.out_trade_no, drop=True)
    assert aw.ali.send(aw.ali.notify_for(trade, total_amount="1.00")) == "success"
    assert not Payment.objects.exists()
    assert outcomes() == [NoticeOutcome.MISMATCH]


def test_no_notify_the_query_job_posts_and_the_late_notify_changes_nothing(aw, later):
    order = open_order(aw, aw.bills, channel="alipay_wap")
    later(4)
    assert services.query_unnotified() == 0  # the page never opened: Alipay has no such trade
    aw.ali.open_link(order.h5_url)
    aw.ali.pay(order.out_trade_no, hold=True)
    later(8)
    assert services.query_unnotified() == 1
    assert aw.ali.release() == ["success"]
    assert Payment.objects.count() == 1
    assert outcomes() == [NoticeOutcome.POSTED, NoticeOutcome.DUPLICATE]


def test_unpaid_orders_close_after_30_minutes_and_a_late_payment_is_flagged(aw, later):
    order = open_order(aw, aw.bills, channel="alipay_qr")
    aw.ali.scan(order.out_trade_no)  # scanned, not paid
    later(29)
    assert services.close_expired() == 0
    later(31)
    assert services.close_expired() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert aw.ali.trades[order.out_trade_no].trade_status == "TRADE_CLOSED"
    assert calls(aw.ali, "alipay.trade.close")
    assert not PayOrderBill.objects.filter(held=True).exists()
    # A QR never scanned: Alipay has no trade to close (ACQ.TRADE_NOT_EXIST), the order closes here.
    unscanned = open_order(aw, aw.bills, channel="alipay_qr")
    later(62)
    assert services.close_expired() == 1
    unscanned.refresh_from_db()
    assert unscanned.status == OrderStatus.CLOSED
    again = open_order(aw, aw.bills, channel="h5")  # the bills are free again, for either gateway
    # The resident paid the unscanned QR at the last second; the notify arrives now.
    assert aw.ali.pay(unscanned.out_trade_no).trade_status == "TRADE_SUCCESS"
    unscanned.refresh_from_db()
    assert unscanned.status == OrderStatus.PAID and unscanned.refund_due
    assert outcomes()[-1] == NoticeOutcome.LATE
    assert len(list(open_bills(aw.unit.pk))) == 2
    assert PayOrderBill.objects.filter(order=again, held=True).count() == 2


def test_an_approved_refund_goes_back_through_alipay_once(aw, django_capture_on_commit_callbacks):
    order = open_order(aw, aw.bills, channel="alipay_wap")
    aw.ali.open_link(order.h5_url)
    aw.ali.pay(order.out_trade_no)
    order.refresh_from_db()
    asked = billing.correction_request(
        actor=aw.desk,
        data={
            "kind": "refund",
            "payment_id": order.payment_id,
            "amount": Decimal("100.00"),
            "reason": "多缴",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        billing.correction_decide(actor=aw.manager, correction=asked, approve=True)
    refund = GatewayRefund.objects.get()
    assert refund.status == RefundStatus.SUCCESS and refund.refund_id == order.transaction_id
    sent = calls(aw.ali, "alipay.trade.refund")
    assert len(sent) == 1
    biz = json.loads(sent[0]["biz_content"])
    assert biz == {
        "refund_amount": "100.00",
        "out_trade_no": order.out_trade_no,
        "out_request_no": refund.out_refund_no,
        "refund_reason": "物业费退款",
    }
    # Sent again (an answer lost on the way): the same out_request_no is one refund at Alipay.
    cfg = config.alipay_for(aw.company.pk, aw.project.pk)
    assert alipay.refund(cfg, order=order, refund=refund)["status"] == "SUCCESS"
    assert aw.ali.trades[order.out_trade_no].refunded_fen == 10000
    assert alipay.refund_query(cfg, order=order, refund=refund)["refund_fen"] == 10000
    # Alipay's notify of the refund is recorded; the refund already ended, so nothing changes.
    assert aw.ali.release() == ["success"]
    assert outcomes()[-1] == NoticeOutcome.DUPLICATE
    # More than the trade still has: refused by billing before anything is sent.
    with pytest.raises(Exception) as exc:
        billing.correction_request(
            actor=aw.desk,
            data={
                "kind": "refund",
                "payment_id": order.payment_id,
                "amount": Decimal("347.51"),
                "reason": "x",
            },
        )
    assert "amount" in exc.value.message_dict


def test_a_refund_left_unconfirmed_is_asked_about(aw, later):
    order = open_order(aw, aw.bills, channel="alipay_qr")
    aw.ali.pay(order.out_trade_no)
    order.refresh_from_db()
    asked = billing.correction_request(
        actor=aw.desk,
        data={"kind": "refund", "payment_id": order.payment_id, "amount": Decimal("20.00"), "reason": "x"},
    )
    billing.correction_decide(actor=aw.manager, correction=asked, approve=True)  # not sent yet (on commit)
    refund = GatewayRefund.objects.get()
    cfg = config.alipay_for(aw.company.pk, aw.project.pk)
    alipay.refund(cfg, order=order, refund=refund)  # it reached Alipay; our side never heard
    GatewayRefund.objects.filter(pk=refund.pk).update(
        status=RefundStatus.PROCESSING, sent_at=order.created_at
    )
    later(5)
    assert services.query_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS
    assert services.query_refunds() == 0


def test_a_request_the_gateway_cannot_verify_is_refused_and_the_order_closed(aw, settings):
    settings.GUANJIA_ALIPAY_PRIVATE_KEY = fake_alipay._pem_private(fake_alipay.keys()["forger"])
    with pytest.raises(Exception) as exc:
        open_order(aw, aw.bills, channel="alipay_qr")
    assert "isv.invalid-signature" in str(exc.value)
    order = PayOrder.objects.get()
    assert order.status == OrderStatus.CLOSED and "invalid-signature" in order.close_reason
    assert not PayOrderBill.objects.filter(held=True).exists()


def test_the_trade_bill_zip_is_parsed(aw):
    order = open_order(aw, aw.bills, channel="alipay_qr")
    aw.ali.pay(order.out_trade_no)
    trade = aw.ali.trades[order.out_trade_no]
    text = aw.ali.bill_zip(trade.gmt_payment[:10])
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(text)).namelist()
    assert any(n.endswith("业务明细.csv") for n in names) and any("汇总" in n for n in names)
    detail = zipfile.ZipFile(io.BytesIO(text)).read(next(n for n in names if n.endswith("业务明细.csv")))
    trades, refunds = alipay.parse_bill(detail.decode("gbk"))
    assert trades == {trade.trade_no: (order.out_trade_no, Decimal("447.50"))} and refunds == {}
