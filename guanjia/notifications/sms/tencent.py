"""Tencent Cloud SMS (腾讯云短信) through ``tencentcloud-sdk-python-sms``: API 3.0 ``SendSms``,
signed TC3-HMAC-SHA256 by the SDK.

Environment: ``GUANJIA_TENCENTCLOUD_SECRET_ID``, ``GUANJIA_TENCENTCLOUD_SECRET_KEY``,
``GUANJIA_TENCENT_SMS_APP_ID`` (SmsSdkAppId), ``GUANJIA_TENCENT_SMS_REGION`` (ap-guangzhou),
``GUANJIA_TENCENT_SMS_ENDPOINT`` (sms.tencentcloudapi.com; ``http://host:port`` for a local fake).
"""

from __future__ import annotations

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from guanjia.notifications.channels import DeliveryError, Receipt
from guanjia.notifications.sms.base import SmsBackend

DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"

# Worth another try later: throttling of the account or the number, the provider's own trouble.
_TEMPORARY_PREFIXES = (
    "LimitExceeded.",
    "RequestLimitExceeded",
    "InternalError",
    "ServerNetworkError",
    "ClientNetworkError",
    "ResourceUnavailable",
    "FailedOperation.JsonParseFail",
)


def is_temporary(code: str) -> bool:
    """Rate limits, network and server errors are retried; everything else (a wrong number, no
    balance, an unapproved template or signature, a refused signature) never succeeds by retrying."""
    return code.startswith(_TEMPORARY_PREFIXES)


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """("https", "sms.tencentcloudapi.com") from an endpoint that may carry a scheme."""
    if "://" in endpoint:
        scheme, host = endpoint.split("://", 1)
        return scheme, host.rstrip("/")
    return "https", endpoint


class TencentSmsBackend(SmsBackend):
    provider = "tencent"

    def client(self) -> sms_client.SmsClient:
        scheme, host = split_endpoint(self.setting("GUANJIA_TENCENT_SMS_ENDPOINT", DEFAULT_ENDPOINT))
        cred = credential.Credential(
            self.setting("GUANJIA_TENCENTCLOUD_SECRET_ID"), self.setting("GUANJIA_TENCENTCLOUD_SECRET_KEY")
        )
        http = HttpProfile(protocol=scheme, endpoint=host, reqTimeout=self.timeout())
        profile = ClientProfile(httpProfile=http)  # signMethod TC3-HMAC-SHA256 by default
        return sms_client.SmsClient(cred, self.setting("GUANJIA_TENCENT_SMS_REGION", "ap-guangzhou"), profile)

    def send_sms(self, *, phone, signature, template, variables, reference) -> Receipt:
        request = models.SendSmsRequest()
        request.SmsSdkAppId = self.setting("GUANJIA_TENCENT_SMS_APP_ID")
        request.SignName = signature
        request.TemplateId = template.template_id
        request.TemplateParamSet = [value for _name, value in variables]
        request.PhoneNumberSet = [phone]
        request.SessionContext = reference
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or ""
            raise DeliveryError(
                f"{code}: {exc.get_message()}", permanent=not is_temporary(code), code=code
            ) from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise DeliveryError("SendSms answered without a send status", code="NoStatus")
        status = statuses[0]
        if status.Code != "Ok":
            raise DeliveryError(
                f"{status.Code}: {status.Message}", permanent=not is_temporary(status.Code), code=status.Code
            )
        return Receipt(message_id=status.SerialNo or "", segments=int(status.Fee or 0))
