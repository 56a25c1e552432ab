"""The jobs' work, the same for every gateway (``gateway``'s interface). No callback after a few
minutes: the order is queried by ``out_trade_no``; unpaid after 30 minutes: queried once more (a
payment may have just happened), closed at the gateway, then here (the bills are free again).
Refunds the gateway has not confirmed are asked about. Each order is handled on its own; running
twice or late changes nothing more (an order's state moves only forward, under its row lock)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from guanjia.payments import gateway
from guanjia.payments.choices import NoticeOutcome, OrderStatus, RefundStatus
from guanjia.payments.models import GatewayRefund, PayOrder
from guanjia.payments.services import notices
from guanjia.payments.services.orders import _now, order_close

BATCH = 200
GONE = ("CLOSED", "REVOKED", "PAYERROR")


def _ask(order: PayOrder) -> dict | None:
    client, cfg = gateway.for_order(order)
    answer = client.query(cfg, order.out_trade_no)
    PayOrder.objects.filter(pk=order.pk).update(last_queried_at=_now())
    return answer


def _apply(order: PayOrder, answer: dict) -> str:
    outcome, _order = notices.transaction_apply(
        company_id=order.company_id, txn=answer, kind="query", provider=order.provider
    )
    return outcome


def query_unnotified() -> int:
    """Open orders with no callback after ``GUANJIA_PAYMENTS_QUERY_MINUTES``: ask the gateway;
    a paid one is posted exactly as a callback would. Returns how many were posted."""
    now = _now()
    quiet = now - datetime.timedelta(minutes=settings.GUANJIA_PAYMENTS_QUERY_MINUTES)
    due = PayOrder.objects.filter(status=OrderStatus.OPEN, created_at__lte=quiet, expires_at__gt=now).exclude(
        last_queried_at__gt=quiet
    )
    posted = 0
    for order in due.order_by("created_at")[:BATCH]:
        try:
            answer = _ask(order)
        except gateway.GatewayError:
            continue  # asked again next minute
        if answer and answer.get("trade_state") == "SUCCESS":
            posted += _apply(order, answer) == NoticeOutcome.POSTED
        elif answer and answer.get("trade_state") in GONE:
            order_close(order=order, reason=_("支付渠道：%(s)s") % {"s": answer["trade_state"]})
    return posted


def close_expired() -> int:
    """Orders unpaid past their 30 minutes: asked once more, closed at the gateway, then here."""
    closed = 0
    for order in PayOrder.objects.filter(status=OrderStatus.OPEN, expires_at__lte=_now()).order_by(
        "expires_at"
    )[:BATCH]:
        try:
            answer = _ask(order)
            if answer and answer.get("trade_state") == "SUCCESS":
                _apply(order, answer)
                continue
            if answer is None or answer.get("trade_state") not in ("CLOSED", "REVOKED"):
                # Also one the gateway does not know yet (a QR never scanned): closed there, so a
                # late scan cannot pay it.
                client, cfg = gateway.for_order(order)
                client.close(cfg, order.out_trade_no)
        except gateway.GatewayError:
            continue  # unreachable, or paid a moment ago: the bills stay held until it says
        closed += order_close(order=order, reason=_("超时未支付"))
    return closed


def query_refunds() -> int:
    """Refunds sent but not confirmed after a few minutes (no callback): asked from the gateway
    (WeChat ``/v3/refund/domestic/refunds/{no}``, Alipay alipay.trade.fastpay.refund.query) and
    recorded as a callback would. Returns how many ended."""
    quiet = _now() - datetime.timedelta(minutes=settings.GUANJIA_PAYMENTS_QUERY_MINUTES)
    ended = 0
    for refund in GatewayRefund.objects.filter(
        status=RefundStatus.PROCESSING, sent_at__lte=quiet
    ).select_related("order")[:BATCH]:
        try:
            client, cfg = gateway.for_order(refund.order)
            answer = client.refund_query(cfg, order=refund.order, refund=refund)
        except gateway.GatewayError:
            continue
        if answer is None:
            continue
        outcome = notices.refund_result_apply(
            company_id=refund.company_id,
            resource={**answer, "out_refund_no": refund.out_refund_no},
            provider=refund.order.provider,
        )
        ended += outcome == NoticeOutcome.REFUND
    return ended
