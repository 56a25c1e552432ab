"""The gateways' callbacks (支付结果通知, 退款结果通知): ``/payments/notify/<gateway>/<company>/<project>/``.

WeChat Pay: answered 204 with no body when the notice was taken (also a repeat: it has nothing left
to do), otherwise 4xx/5xx with ``{"code": "FAIL", "message": …}`` so the gateway sends it again
later. Alipay: the literal body ``success`` when taken, ``failure`` (Alipay retries: 4m, 10m, 10m,
1h, 2h, 6h, 15h) otherwise. A notice that fails verification changes nothing and is recorded.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanjia.core.context import Source, change_context
from guanjia.core.errors import Conflict
from guanjia.payments import alipay, config, wechat
from guanjia.payments.choices import NoticeOutcome, Provider
from guanjia.payments.services import notices

log = logging.getLogger(__name__)


def _fail(status: int, message: str) -> JsonResponse:
    return JsonResponse({"code": "FAIL", "message": message[:64]}, status=status)


@csrf_exempt
@require_POST
def wechat_notify(request, company_id: int, project_id: int):
    cfg = config.wechat_for(company_id, project_id or None)
    if cfg is None:
        return _fail(404, "merchant not configured")
    try:
        envelope = wechat.verify_callback(cfg, request.META, request.body)
    except wechat.CallbackRejected as exc:
        log.warning("wechatpay callback rejected: %s", exc)
        notices.record(
            company_id=company_id,
            kind="callback",
            outcome=NoticeOutcome.REJECTED,
            verified=False,
            detail=str(exc),
        )
        return _fail(401, "signature verification failed")
    event = str(envelope.get("event_type", ""))
    resource = envelope["resource"]
    with change_context(source=Source.API):
        try:
            if event.startswith("REFUND."):
                notices.refund_result_apply(company_id=company_id, resource=wechat.refund_result(resource))
                return HttpResponse(status=204)
            outcome, _order = notices.transaction_apply(
                company_id=company_id, txn=wechat.as_txn(cfg, resource)
            )
        except Conflict as exc:  # the transaction id already posted with other money: a human looks
            notices.record(
                company_id=company_id,
                kind="payment",
                outcome=NoticeOutcome.MISMATCH,
                verified=True,
                detail=str(exc),
                txn=resource,
            )
            return HttpResponse(status=204)
        except DatabaseError:
            log.exception("wechatpay callback could not be stored")
            return _fail(500, "temporarily unavailable")
    if outcome == NoticeOutcome.UNKNOWN_ORDER:
        return _fail(404, "order not found")
    return HttpResponse(status=204)


def _plain(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def alipay_notify(request, company_id: int, project_id: int):
    """Alipay's async notify (``notify_type=trade_status_sync``), form-encoded. A refund shows as
    a notify carrying ``out_biz_no`` (our refund number) and ``refund_fee``."""
    cfg = config.alipay_for(company_id, project_id or None)
    if cfg is None:
        return _plain("failure")
    try:
        params = alipay.verify_notify(cfg, request.POST.dict())
    except wechat.CallbackRejected as exc:
        log.warning("alipay notify rejected: %s", exc)
        notices.record(
            company_id=company_id,
            kind="callback",
            outcome=NoticeOutcome.REJECTED,
            verified=False,
            detail=str(exc),
            provider=Provider.ALIPAY,
            txn={
                "out_trade_no": request.POST.get("out_trade_no", ""),
                "transaction_id": request.POST.get("trade_no", ""),
            },
        )
        return _plain("failure")
    txn = alipay.as_txn(cfg, params)
    with change_context(source=Source.API):
        try:
            if params.get("out_biz_no") and params.get("refund_fee"):
                notices.refund_result_apply(
                    company_id=company_id,
                    resource={
                        "out_refund_no": params["out_biz_no"],
                        "status": "SUCCESS",
                        "refund_id": txn["transaction_id"],
                    },
                    provider=Provider.ALIPAY,
                )
                return _plain("success")
            outcome, _order = notices.transaction_apply(
                company_id=company_id, txn=txn, provider=Provider.ALIPAY
            )
        except Conflict as exc:
            notices.record(
                company_id=company_id,
                kind="payment",
                outcome=NoticeOutcome.MISMATCH,
                verified=True,
                detail=str(exc),
                txn=txn,
                provider=Provider.ALIPAY,
            )
            return _plain("success")
        except DatabaseError:
            log.exception("alipay notify could not be stored")
            return _plain("failure")
    if outcome == NoticeOutcome.UNKNOWN_ORDER:
        return _plain("failure")
    return _plain("success")
