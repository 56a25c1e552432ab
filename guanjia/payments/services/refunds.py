"""Refunds of online payments. The refund itself is billing's: asked for by one person and approved
by another (``billing.services.correction_request`` / ``correction_decide``), which writes the
ledger entries. When the payment came through our gateway, the approval (``refund_on_approval``,
billing's ``on_refund_approved`` hook) records a ``GatewayRefund`` in the same transaction, and after
the commit it is sent to the gateway, once (``out_refund_no`` makes a re-send idempotent there too).
The gateway's refund callback records how it ended (``notices.refund_result_apply``); Alipay
answers a refund at once, and refunds left unconfirmed are asked about (``sweeps.query_refunds``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from guanjia.core.services import service
from guanjia.payments import config, gateway
from guanjia.payments.choices import RefundStatus
from guanjia.payments.models import GatewayRefund, PayOrder
from guanjia.payments.services.orders import _now


def refund_on_approval(correction) -> None:
    """Billing's hook: an approved refund of a payment an order of ours posted goes to the gateway."""
    order = PayOrder.objects.filter(payment_id=correction.payment_id).first()
    if order is None:
        return  # cash, transfer or an online payment posted by hand: nothing to send
    count = GatewayRefund.objects.filter(order=order).count()
    refund = GatewayRefund.objects.create(
        company_id=order.company_id,
        project_id=order.project_id,
        order=order,
        correction=correction,
        out_refund_no=f"{order.out_trade_no}R{count + 1}",
        amount=correction.amount,
    )
    if order.refund_due:
        PayOrder.objects.filter(pk=order.pk).update(refund_due=False)
    transaction.on_commit(lambda: _enqueue(refund.pk))


def _enqueue(refund_id: int) -> None:
    from guanjia.payments import tasks  # the job module imports these services

    tasks.payments_refund_send(refund_id)


@service
def _claim(*, refund_id: int) -> GatewayRefund | None:
    """Claim a pending refund for sending (a conditional UPDATE: two workers never both send)."""
    if not GatewayRefund.objects.filter(pk=refund_id, status=RefundStatus.PENDING).update(
        status=RefundStatus.PROCESSING, sent_at=_now()
    ):
        return None
    return GatewayRefund.objects.select_related("order").get(pk=refund_id)


def refund_send(refund_id: int) -> str:
    """Send a pending refund to the gateway. A refused or unreachable one goes back to pending with
    the error (the retry job sends it again; the gateway takes the same ``out_refund_no`` once)."""
    refund = _claim(refund_id=refund_id)
    if refund is None:
        return "skipped"
    order = refund.order
    try:
        client, cfg = gateway.for_order(order)
        answer = client.refund(
            cfg,
            order=order,
            refund=refund,
            notify_url=config.notify_url(order.company_id, order.project_id, order.provider),
        )
    except gateway.GatewayError as exc:
        _record_answer(refund_id=refund_id, status=RefundStatus.PENDING, error=str(exc))
        return "error"
    status = {"SUCCESS": RefundStatus.SUCCESS, "FAILED": RefundStatus.FAILED}.get(
        answer.get("status"), RefundStatus.PROCESSING
    )
    _record_answer(refund_id=refund_id, status=status, refund_id_at_gateway=answer.get("refund_id", ""))
    return status


@service
def _record_answer(*, refund_id: int, status: str, error: str = "", refund_id_at_gateway: str = "") -> None:
    refund = GatewayRefund.objects.select_for_update().get(pk=refund_id)
    if refund.status in (RefundStatus.SUCCESS, RefundStatus.FAILED):
        return  # the callback came first: it has the last word
    refund.status = status
    refund.last_error = error[:300]
    if refund_id_at_gateway:
        refund.refund_id = refund_id_at_gateway[:64]
    if status in (RefundStatus.SUCCESS, RefundStatus.FAILED):
        refund.finished_at = _now()
    refund.save()


def resend_pending() -> int:
    """The retry job: refunds still pending (the gateway was unreachable) are sent again."""
    ids = list(
        GatewayRefund.objects.filter(Q(status=RefundStatus.PENDING)).values_list("pk", flat=True)[:100]
    )
    return sum(1 for pk in ids if refund_send(pk) not in ("skipped", "error"))
