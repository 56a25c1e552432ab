"""Aliyun SMS (阿里云短信服务) through ``alibabacloud_dysmsapi20170525``: ``SendSms`` (2017-05-25,
RPC style), signed ACS3-HMAC-SHA256 by the SDK (``alibabacloud_tea_openapi``).

Environment: ``GUANJIA_ALIYUN_ACCESS_KEY_ID``, ``GUANJIA_ALIYUN_ACCESS_KEY_SECRET``,
``GUANJIA_ALIYUN_SMS_ENDPOINT`` (dysmsapi.aliyuncs.com; ``http://host:port`` for a local fake).
Aliyun names a template's variables (``${number}``): they carry the kind's parameter names.
"""

from __future__ import annotations

import json

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

from guanjia.notifications.channels import DeliveryError, Receipt
from guanjia.notifications.sms.base import SmsBackend
from guanjia.notifications.sms.tencent import split_endpoint

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"

# Worth another try later: flow control of the number or the account, the provider's own trouble.
_TEMPORARY = (
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.DAY_LIMIT_CONTROL",
    "Throttling",
    "isp.SYSTEM_ERROR",
    "ServiceUnavailable",
    "InternalError",
    "Network",
)


def is_temporary(code: str, status: int | None = None) -> bool:
    """Flow control, network and 5xx errors are retried; a wrong number, no balance, an illegal
    template or signature, or a refused request signature never succeed by retrying."""
    return code.startswith(_TEMPORARY) or (status is not None and status >= 500)


class AliyunSmsBackend(SmsBackend):
    provider = "aliyun"

    def client(self) -> Client:
        scheme, host = split_endpoint(self.setting("GUANJIA_ALIYUN_SMS_ENDPOINT", DEFAULT_ENDPOINT))
        config = Config(
            access_key_id=self.setting("GUANJIA_ALIYUN_ACCESS_KEY_ID"),
            access_key_secret=self.setting("GUANJIA_ALIYUN_ACCESS_KEY_SECRET"),
            endpoint=host,
            protocol=scheme,
        )
        return Client(config)

    def send_sms(self, *, phone, signature, template, variables, reference) -> Receipt:
        request = models.SendSmsRequest(
            phone_numbers=phone[3:] if phone.startswith("+86") else phone.lstrip("+"),  # mainland: no 86
            sign_name=signature,
            template_code=template.template_id,
            template_param=json.dumps(dict(variables), ensure_ascii=False) if variables else None,
            out_id=reference,
        )
        millis = self.timeout() * 1000
        runtime = RuntimeOptions(read_timeout=millis, connect_timeout=millis, autoretry=False)
        try:
            response = self.client().send_sms_with_options(request, runtime)
        except Exception as exc:  # the SDK's response exceptions carry the provider's code
            code = str(getattr(exc, "code", "") or "Network")
            status = getattr(exc, "status_code", None)
            message = str(getattr(exc, "message", "") or exc)
            raise DeliveryError(
                f"{code}: {message}"[:480], permanent=not is_temporary(code, status), code=code
            ) from exc
        body = response.body
        if body.code != "OK":
            code = body.code or ""
            raise DeliveryError(f"{code}: {body.message}", permanent=not is_temporary(code), code=code)
        return Receipt(message_id=body.biz_id or "")
