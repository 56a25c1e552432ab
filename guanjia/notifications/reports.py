"""The SMS providers' delivery-report callbacks: ``POST /notifications/sms/report/<provider>/<token>/``.

The providers sign nothing in these calls, so the address itself is the secret: the token is
``GUANJIA_SMS_REPORT_TOKEN`` (no token set: reports are off, 404). Each provider is answered the way
it expects (Tencent ``{"result": 0, "errmsg": "OK"}``, Aliyun ``{"code": 0, "msg": "成功"}``)."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanjia.core.context import Source, change_context
from guanjia.notifications.sms.reports import PARSERS, record_reports

ANSWERS = {
    "tencent": ({"result": 0, "errmsg": "OK"}, {"result": 1, "errmsg": "bad request body"}),
    "aliyun": ({"code": 0, "msg": "成功"}, {"code": 1, "msg": "bad request body"}),
}


@csrf_exempt
@require_POST
def sms_report(request, provider: str, token: str):
    expected = getattr(settings, "GUANJIA_SMS_REPORT_TOKEN", "")
    if provider not in PARSERS or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404
    ok, bad = ANSWERS[provider]
    try:
        items = json.loads(request.body or b"[]")
    except ValueError:
        return JsonResponse(bad, status=400)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return JsonResponse(bad, status=400)
    with change_context(source=Source.JOB):
        record_reports(provider=provider, items=items)
    return JsonResponse(ok)
