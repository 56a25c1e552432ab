"""The gateway's callbacks (支付结果通知, 退款结果通知): ``/payments/notify/wechat/<company>/<project>/``.

Answered as WeChat Pay expects: 204 with no body when the notice was taken (also a repeat: it has
nothing left to do), otherwise 4xx/5xx with ``{"code": "FAIL", "message": …}`` so the gateway sends
it again later. A notice that fails verification changes nothing and is recorded (401).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanjia.core.context import Source, change_context
from guanjia.core.errors import Conflict
from guanjia.payments import config, wechat
from guanjia.payments.choices import NoticeOutcome
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
                notices.refund_result_apply(company_id=company_id, resource=resource)
                return HttpResponse(status=204)
            outcome, _order = notices.transaction_apply(company_id=company_id, txn=resource)
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
