"""Refunds of online payments: asked by one person, approved by another (billing's four-eyes rule),
then sent back through the gateway once; its refund callback is recorded."""

from decimal import Decimal

import pytest

from guanjia.billing import services as billing
from guanjia.core.errors import NotAllowed
from guanjia.payments.choices import NoticeOutcome, RefundStatus
from guanjia.payments.models import GatewayNotice, GatewayRefund
from guanjia.payments.tests.conftest import open_order

pytestmark = pytest.mark.django_db


def test_an_approved_refund_goes_back_through_the_gateway_and_its_callback_is_recorded(
    pw, django_capture_on_commit_callbacks
):
    order = open_order(pw, pw.bills)
    pw.gw.pay(order.out_trade_no)
    order.refresh_from_db()
    asked = billing.correction_request(
        actor=pw.desk,
        data={
            "kind": "refund",
            "payment_id": order.payment_id,
            "amount": Decimal("100.00"),
            "reason": "多缴",
        },
    )
    with pytest.raises(NotAllowed):
        billing.correction_decide(actor=pw.desk, correction=asked, approve=True)
    assert not GatewayRefund.objects.exists() and not pw.gw.refunds
    with django_capture_on_commit_callbacks(execute=True):
        billing.correction_decide(actor=pw.manager, correction=asked, approve=True)
    refund = GatewayRefund.objects.get()
    assert refund.amount == Decimal("100.00") and refund.status == RefundStatus.PROCESSING
    sent = pw.gw.refunds[refund.out_refund_no]
    assert sent["amount"]["refund"] == 10000 and sent["amount"]["total"] == 44750
    assert pw.gw.release() == [204]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS and refund.refund_id == sent["refund_id"]
    # A repeat of the refund callback changes nothing.
    pw.gw.send(pw.gw.sent[-1])
    assert list(
        GatewayNotice.objects.filter(kind="refund").values_list("outcome", flat=True).order_by("id")
    ) == [
        NoticeOutcome.REFUND,
        NoticeOutcome.DUPLICATE,
    ]


def test_a_refund_larger_than_what_the_payment_still_has_is_refused(pw):
    order = open_order(pw, pw.bills)
    pw.gw.pay(order.out_trade_no)
    order.refresh_from_db()
    with pytest.raises(Exception) as exc:
        billing.correction_request(
            actor=pw.desk,
            data={
                "kind": "refund",
                "payment_id": order.payment_id,
                "amount": Decimal("447.51"),
                "reason": "x",
            },
        )
    assert "amount" in exc.value.message_dict
    assert not pw.gw.refunds


def test_a_refund_of_a_cash_payment_sends_nothing(pw):
    from guanjia.billing.tests.conftest import pay

    payment, _ = pay(pw, pw.unit, "100.00", "cash-9")
    asked = billing.correction_request(
        actor=pw.desk, data={"kind": "refund", "payment_id": payment.pk, "amount": "10.00", "reason": "x"}
    )
    billing.correction_decide(actor=pw.manager, correction=asked, approve=True)
    assert not GatewayRefund.objects.exists() and not pw.gw.refunds
