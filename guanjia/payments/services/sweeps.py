"""The jobs' work. No callback after a few minutes: the order is queried by ``out_trade_no``;
unpaid after 30 minutes: queried once more (a payment may have just happened), closed at the
gateway, then here (the bills are free again). Each order is handled on its own; running twice or
late changes nothing more (an order's state moves only forward, under its row lock)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from guanjia.payments import config, wechat
from guanjia.payments.choices import NoticeOutcome, OrderStatus
from guanjia.payments.models import PayOrder
from guanjia.payments.services import notices
from guanjia.payments.services.orders import _now, order_close

BATCH = 200


def _ask(order: PayOrder) -> dict | None:
    cfg = config.wechat_for(order.company_id, order.project_id)
    answer = wechat.query(cfg, order.out_trade_no)
    PayOrder.objects.filter(pk=order.pk).update(last_queried_at=_now())
    return answer


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
        except wechat.GatewayError:
            continue  # asked again next minute
        if answer and answer.get("trade_state") == "SUCCESS":
            outcome, _order = notices.transaction_apply(company_id=order.company_id, txn=answer, kind="query")
            posted += outcome == NoticeOutcome.POSTED
        elif answer and answer.get("trade_state") in ("CLOSED", "REVOKED", "PAYERROR"):
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
                notices.transaction_apply(company_id=order.company_id, txn=answer, kind="query")
                continue
            if answer is not None and answer.get("trade_state") not in ("CLOSED", "REVOKED"):
                wechat.close(config.wechat_for(order.company_id, order.project_id), order.out_trade_no)
        except wechat.GatewayError:
            continue  # unreachable: the bills stay held until the gateway confirms
        closed += order_close(order=order, reason=_("超时未支付"))
    return closed
