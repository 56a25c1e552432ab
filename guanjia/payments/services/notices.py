"""What a gateway tells us: a callback (verified by ``wechat.verify_callback`` or
``alipay.verify_notify``) or a query's answer, in the neutral shape of ``gateway`` (each client's
``as_txn``). A paid transaction is checked against its order (merchant, app, amount, currency)
and posted exactly once through billing's ``payment_post_gateway`` (the transaction id is the
reference and the idempotency key), under the order's row lock. Repeats, late and out-of-order
notices change nothing; money for an order already closed is posted as the unit's credit and the
order is flagged for a refund. Every notice is recorded with what it did.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.billing.services.online import payment_post_gateway
from guanjia.core.services import service
from guanjia.payments.choices import NoticeOutcome, OrderStatus, Provider, RefundStatus
from guanjia.payments.models import GatewayNotice, GatewayRefund, PayOrder, PayOrderBill
from guanjia.payments.services.orders import _now

PAYER = {Provider.WECHAT: gettext_lazy("微信支付"), Provider.ALIPAY: gettext_lazy("支付宝")}


def record(
    *,
    company_id,
    kind: str,
    outcome: str,
    verified: bool,
    detail: str = "",
    order=None,
    txn=None,
    provider: str = Provider.WECHAT,
):
    txn = txn or {}
    return GatewayNotice.objects.create(
        company_id=company_id,
        provider=order.provider if order is not None else provider,
        kind=kind,
        verified=verified,
        outcome=outcome,
        detail=detail[:300],
        out_trade_no=str(txn.get("out_trade_no", ""))[:32],
        transaction_id=str(txn.get("transaction_id", ""))[:64],
        order=order,
    )


def _paid_at(txn: dict) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(txn["success_time"])
    except (KeyError, TypeError, ValueError):
        return _now()


def _mismatch(order: PayOrder, txn: dict) -> str:
    if txn.get("mchid") != order.mchid:
        return "mchid"
    if txn.get("appid") != order.appid:
        return "appid"
    if txn.get("total_fen") != order.total_fen or txn.get("currency", "CNY") != "CNY":
        return "amount"
    if not txn.get("transaction_id"):
        return "transaction_id"
    return ""


@service
def transaction_apply(
    *, company_id: int, txn: dict, kind: str = "payment", provider: str = Provider.WECHAT
) -> tuple[str, PayOrder | None]:
    """Apply what a gateway (``provider``) says about one of its orders (``txn``: the neutral
    shape of ``gateway``). Returns ``(outcome, order)``."""
    order = (
        PayOrder.objects.select_for_update()
        .filter(out_trade_no=str(txn.get("out_trade_no", ""))[:32], company_id=company_id, provider=provider)
        .first()
    )
    if order is None:
        record(
            company_id=company_id,
            kind=kind,
            outcome=NoticeOutcome.UNKNOWN_ORDER,
            verified=True,
            txn=txn,
            provider=provider,
        )
        return NoticeOutcome.UNKNOWN_ORDER, None
    if txn.get("trade_state") != "SUCCESS":
        detail = str(txn.get("trade_state", ""))
        record(
            company_id=company_id,
            kind=kind,
            outcome=NoticeOutcome.NOT_PAID,
            verified=True,
            detail=detail,
            order=order,
            txn=txn,
        )
        return NoticeOutcome.NOT_PAID, order
    wrong = _mismatch(order, txn)
    if wrong:
        record(
            company_id=company_id,
            kind=kind,
            outcome=NoticeOutcome.MISMATCH,
            verified=True,
            detail=_("与订单不符：%(f)s") % {"f": wrong},
            order=order,
            txn=txn,
        )
        return NoticeOutcome.MISMATCH, order
    if order.status == OrderStatus.PAID:
        same = order.transaction_id == txn["transaction_id"]
        outcome = NoticeOutcome.DUPLICATE if same else NoticeOutcome.MISMATCH
        record(
            company_id=company_id,
            kind=kind,
            outcome=outcome,
            verified=True,
            order=order,
            txn=txn,
            detail="" if same else _("同一订单的另一笔交易"),
        )
        return outcome, order
    late = order.status == OrderStatus.CLOSED
    bill_ids = (
        [] if late else list(PayOrderBill.objects.filter(order=order).values_list("bill_id", flat=True))
    )
    payment, _created = payment_post_gateway(
        unit_id=order.unit_id,
        amount=order.amount,
        reference=txn["transaction_id"],
        received_at=_paid_at(txn),
        bill_ids=bill_ids,
        credit_only=late,
        payer=str(PAYER.get(order.provider, "")),
        note=_("订单 %(no)s") % {"no": order.out_trade_no},
    )
    order.status = OrderStatus.PAID
    order.transaction_id = txn["transaction_id"][:64]
    order.paid_at = payment.received_at
    order.payment = payment
    order.refund_due = late
    order.save()
    PayOrderBill.objects.filter(order=order, held=True).update(held=False)
    outcome = NoticeOutcome.LATE if late else NoticeOutcome.POSTED
    record(company_id=company_id, kind=kind, outcome=outcome, verified=True, order=order, txn=txn)
    return outcome, order


_REFUND_STATES = {
    "SUCCESS": RefundStatus.SUCCESS,
    "PROCESSING": RefundStatus.PROCESSING,
    "FAILED": RefundStatus.FAILED,
}


@service
def refund_result_apply(*, company_id: int, resource: dict, provider: str = Provider.WECHAT) -> str:
    """A refund callback (or a refund query's answer): the gateway's word on a refund we sent,
    recorded on it once. ``resource``: ``out_refund_no``, ``status`` (SUCCESS / PROCESSING /
    FAILED), ``refund_id`` and ``refund_fen`` (None when the gateway does not say it)."""
    refund = (
        GatewayRefund.objects.select_for_update()
        .filter(
            out_refund_no=str(resource.get("out_refund_no", ""))[:64],
            company_id=company_id,
            order__provider=provider,
        )
        .first()
    )
    if refund is None:
        record(
            company_id=company_id,
            kind="refund",
            outcome=NoticeOutcome.UNKNOWN_ORDER,
            verified=True,
            txn=resource,
            provider=provider,
        )
        return NoticeOutcome.UNKNOWN_ORDER
    amount = resource.get("refund_fen")
    if amount is not None and amount != int(refund.amount * 100):
        record(
            company_id=company_id,
            kind="refund",
            outcome=NoticeOutcome.MISMATCH,
            verified=True,
            detail="amount",
            order=refund.order,
            txn=resource,
        )
        return NoticeOutcome.MISMATCH
    status = _REFUND_STATES.get(str(resource.get("status", "")), RefundStatus.PROCESSING)
    if refund.status in (RefundStatus.SUCCESS, RefundStatus.FAILED) or status == refund.status:
        record(
            company_id=company_id,
            kind="refund",
            outcome=NoticeOutcome.DUPLICATE,
            verified=True,
            order=refund.order,
            txn=resource,
        )
        return NoticeOutcome.DUPLICATE
    refund.status = status
    refund.refund_id = str(resource.get("refund_id", ""))[:64]
    if status in (RefundStatus.SUCCESS, RefundStatus.FAILED):
        refund.finished_at = _now()
    refund.save()
    record(
        company_id=company_id,
        kind="refund",
        outcome=NoticeOutcome.REFUND,
        verified=True,
        detail=str(resource.get("status", "")),
        order=refund.order,
        txn=resource,
    )
    return NoticeOutcome.REFUND
