"""Property: whatever residents choose, through either gateway (WeChat Pay or Alipay), and however
the gateways' callbacks arrive (repeated, dropped, held and released late or in reverse, orders
expiring, the query job running), with refunds approved and sent back, every cent the gateways
took (less what they gave back) is in the ledger exactly once and nothing else is: no cent lost or
invented."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanjia.billing import services as billing
from guanjia.billing.models import Bill, LedgerEntry, Payment
from guanjia.billing.services import common
from guanjia.payments import services
from guanjia.payments.choices import OrderStatus
from guanjia.payments.models import GatewayRefund, PayOrder, PayOrderBill

pytestmark = pytest.mark.django_db(transaction=False)

step = st.one_of(
    st.tuples(
        st.just("open"),
        st.sets(st.integers(0, 1), min_size=1),
        st.sampled_from(["jsapi", "h5", "native", "alipay_wap", "alipay_qr"]),
    ),
    st.tuples(st.just("refund"), st.integers(0, 5), st.integers(1, 30000)),
    st.tuples(st.just("pay"), st.integers(0, 5), st.sampled_from(["send", "repeat", "drop", "hold"])),
    st.tuples(st.just("release"), st.booleans(), st.just(None)),
    st.tuples(st.just("minutes"), st.integers(1, 40), st.just(None)),
    st.tuples(st.just("query"), st.just(None), st.just(None)),
    st.tuples(st.just("expire"), st.just(None), st.just(None)),
)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_random_orders_and_callbacks_never_lose_or_invent_a_cent(aw, monkeypatch, steps):
    pw = aw
    with transaction.atomic():
        sid = transaction.savepoint()
        clock = {"at": timezone.now()}
        monkeypatch.setattr(common, "_now", lambda: clock["at"])
        billed = Bill.objects.filter(unit=pw.unit).aggregate(s=Sum("total"))["s"]
        orders: list[PayOrder] = []
        for kind, a, b in steps:
            if kind == "open":
                with contextlib.suppress(Exception):  # 409 held / 422 settled: refused whole
                    orders.append(
                        services.order_open_and_start(
                            actor=pw.resident_user,
                            data={"bill_ids": [pw.bills[i].pk for i in a], "channel": b},
                        )
                    )
            elif kind == "pay" and orders:
                order = orders[a % len(orders)]
                if order.provider == "alipay":
                    if order.out_trade_no not in pw.ali.trades and order.h5_url:
                        pw.ali.open_link(order.h5_url)
                    fake, ready = pw.ali, order.out_trade_no in pw.ali.trades
                else:
                    trade = pw.gw.trades.get(order.out_trade_no)
                    fake, ready = pw.gw, trade is not None and trade.trade_state == "NOTPAY"
                if ready:
                    fake.pay(
                        order.out_trade_no,
                        repeat=3 if b == "repeat" else 1,
                        drop=b == "drop",
                        hold=b == "hold",
                    )
            elif kind == "refund" and orders:
                order = PayOrder.objects.get(pk=orders[a % len(orders)].pk)
                if order.payment_id:
                    with contextlib.suppress(Exception):  # 422: more than the payment still has
                        asked = billing.correction_request(
                            actor=pw.desk,
                            data={
                                "kind": "refund",
                                "payment_id": order.payment_id,
                                "amount": Decimal(b) / 100,
                                "reason": "x",
                            },
                        )
                        billing.correction_decide(actor=pw.manager, correction=asked, approve=True)
                    for refund in GatewayRefund.objects.filter(order=order, status="pending"):
                        services.refund_send(refund.pk)  # what the job does after the commit
            elif kind == "release":
                pw.gw.release(reverse=a)
                pw.ali.release(reverse=a)
            elif kind == "minutes":
                clock["at"] += datetime.timedelta(minutes=a)
            elif kind == "query":
                services.query_unnotified()
            elif kind == "expire":
                services.close_expired()
        pw.gw.release()
        pw.ali.release()
        clock["at"] += datetime.timedelta(minutes=45)
        services.query_unnotified()
        services.close_expired()

        numbers = {o.out_trade_no for o in orders}
        taken = {
            t.transaction_id: Decimal(t.params["amount"]["total"]) / 100
            for n, t in pw.gw.trades.items()
            if n in numbers and t.trade_state == "SUCCESS"
        }
        taken |= {
            t.trade_no: Decimal(t.total_fen) / 100
            for n, t in pw.ali.trades.items()
            if n in numbers and t.gmt_payment
        }
        gateway_total = sum(taken.values(), Decimal(0))
        given_back = sum(
            (
                Decimal(r["amount"]["refund"]) / 100
                for r in pw.gw.refunds.values()
                if r["out_trade_no"] in numbers
            ),
            Decimal(0),
        )
        given_back += sum(
            (Decimal(r["fen"]) / 100 for r in pw.ali.refunds.values() if r["out_trade_no"] in numbers),
            Decimal(0),
        )
        payments = Payment.objects.filter(unit=pw.unit, method="online")
        # Every successful trade posted exactly once, under its own transaction id, for its amount.
        assert sorted(payments.values_list("reference", flat=True)) == sorted(taken)
        assert (payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)) == gateway_total
        # Every approved refund went back once, for its amount.
        approved = GatewayRefund.objects.filter(order__in=orders)
        assert (approved.aggregate(s=Sum("amount"))["s"] or Decimal(0)) == given_back
        assert not approved.exclude(status__in=["success", "processing"]).exists()
        # The ledger: what was billed less what was paid, to the cent.
        ledger = LedgerEntry.objects.filter(unit=pw.unit).aggregate(s=Sum("amount"))["s"]
        assert ledger == billed - gateway_total + given_back
        # Every order ended paid or closed, and no bill stays held.
        assert not PayOrder.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.OPEN).exists()
        assert not PayOrderBill.objects.filter(order__in=orders, held=True).exists()
        # A paid order never took more than its bills owed (the rest only from a late payment, as credit).
        for order in PayOrder.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.PAID):
            assert order.payment.amount == order.amount
        transaction.savepoint_rollback(sid)
