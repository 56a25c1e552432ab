"""The SMS backend both providers share: the template for the kind, the company's signature, the
phone number in international form, the provider's answer as a receipt or a classified error."""

from __future__ import annotations

import re

from django.conf import settings

from guanjia.notifications.channels import ChannelBackend, DeliveryError, Receipt
from guanjia.notifications.models import SmsSignature, SmsTemplate
from guanjia.notifications.sms import text

_MAINLAND = re.compile(r"^1[3-9]\d{9}$")
_INTERNATIONAL = re.compile(r"^\+\d{6,15}$")


def international(phone: str) -> str:
    """A mobile number as providers want it (+8613812345678); "" when it is not one."""
    number = re.sub(r"[\s\-()]", "", phone or "")
    if number.startswith("0086"):
        number = "+86" + number[4:]
    if _MAINLAND.match(number):
        return "+86" + number
    if number.startswith("86") and _MAINLAND.match(number[2:]):
        return "+" + number
    if _INTERNATIONAL.match(number):
        if number.startswith("+86") and not _MAINLAND.match(number[3:]):
            return ""
        return number
    return ""


def signature_for(company_id: int) -> str:
    """The company's registered signature, else the deployment's (``GUANJIA_SMS_SIGN_NAME``)."""
    name = SmsSignature.objects.filter(company_id=company_id).values_list("name", flat=True).first()
    return name or getattr(settings, "GUANJIA_SMS_SIGN_NAME", "")


def template_for(company_id: int | None, kind: str) -> SmsTemplate | None:
    """The company's template for the kind. A message that belongs to no company yet — the sign-in
    code for a number nobody has registered, on its way to 业主认证 — uses the deployment's own
    (``GUANJIA_SMS_DEPLOYMENT_TEMPLATES``: ``kind=template_id:var1|var2``, comma-separated), sent
    under ``GUANJIA_SMS_SIGN_NAME``."""
    if company_id is None:
        return deployment_templates().get(kind)
    return SmsTemplate.objects.filter(company_id=company_id, kind=kind).first()


def deployment_templates() -> dict[str, SmsTemplate]:
    found = {}
    for item in getattr(settings, "GUANJIA_SMS_DEPLOYMENT_TEMPLATES", ()) or ():
        kind, _sep, rest = item.partition("=")
        template_id, _sep, names = rest.partition(":")
        if kind.strip() and template_id.strip():
            found[kind.strip()] = SmsTemplate(
                kind=kind.strip(),
                template_id=template_id.strip(),
                variables=[n.strip() for n in names.split("|") if n.strip()],
            )
    return found


class SmsBackend(ChannelBackend):
    """A provider's SMS API. Subclasses implement ``send_sms`` and raise ``DeliveryError`` with
    ``permanent`` set from the provider's error code (``is_temporary``)."""

    channel = "sms"
    provider = ""
    # A real provider: the configuration check requires a template for every kind sent by SMS.
    needs_templates = True
    variable_max = text.VARIABLE_MAX

    def unsendable(self, *, company_id: int, kind: str) -> str:
        if template_for(company_id, kind) is None:
            return f"no SMS template for kind {kind!r}: an administrator maps it under 短信模板"
        if not signature_for(company_id):
            return "no SMS signature for the company: an administrator sets it under 短信模板"
        return ""

    def send(self, notification) -> Receipt:
        template = template_for(notification.company_id, notification.kind)
        if template is None:
            raise DeliveryError(
                f"no SMS template for kind {notification.kind!r}", permanent=True, code="NoTemplate"
            )
        signature = signature_for(notification.company_id)
        if not signature:
            raise DeliveryError("no SMS signature for the company", permanent=True, code="NoSignature")
        phone = international(self.address_of(notification))
        if not phone:
            raise DeliveryError("the recipient has no valid mobile number", permanent=True, code="NoPhone")
        variables = text.variables_for(template, notification, limit=self.variable_max)
        receipt = self.send_sms(
            phone=phone,
            signature=signature,
            template=template,
            variables=variables,
            reference=f"guanjia-{notification.pk}",
        )
        if not receipt.segments and template.content:
            shown = text.sms_text(signature=signature, template=template, notification=notification)
            receipt = Receipt(receipt.message_id, text.segments_of(shown))
        return receipt

    def send_sms(
        self, *, phone: str, signature: str, template, variables: list[tuple[str, str]], reference: str
    ) -> Receipt:
        raise NotImplementedError

    # Configuration read from settings (the environment) on each send -----------------------------

    @staticmethod
    def setting(name: str, default: str = "") -> str:
        return str(getattr(settings, name, "") or default)

    @staticmethod
    def timeout() -> int:
        return int(getattr(settings, "GUANJIA_SMS_TIMEOUT", 10) or 10)
