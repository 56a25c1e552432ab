"""The administrators' SMS settings: the company's signature and a template per kind of notification,
and the check that refuses a kind without a template at configuration time, not at 3 a.m.

A kind is *sent by SMS* when it is urgent (the emergency chain goes out on every channel the person
has) or listed in ``GUANJIA_SMS_KINDS`` (the deployment's choice, e.g. ``billing.reminder``). With a
real SMS backend configured, every company needs a template for each of them:
``manage.py check --deploy`` fails (``guanjia.sms.E001``), the settings page lists them in red, and
``notify`` records an SMS of such a kind ``failed`` at once with the reason instead of retrying it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.notifications import channels
from guanjia.notifications.kinds import Kind, all_kinds, kind_of
from guanjia.notifications.models import SmsSignature, SmsTemplate
from guanjia.notifications.sms.base import signature_for

__all__ = ["missing_templates", "signature_for", "sms_kinds"]


def real_backend() -> bool:
    """True when SMS really goes out (a provider's backend, not the log)."""
    return bool(getattr(channels.backend_for("sms"), "needs_templates", False))


def sms_kinds() -> list[Kind]:
    """The kinds that go out by SMS and so need a template in every company."""
    listed = set(getattr(settings, "GUANJIA_SMS_KINDS", ()) or ())
    return [kind for kind in all_kinds() if kind.urgent or kind.key in listed]


def missing_templates(company_id: int) -> list[Kind]:
    """The kinds sent by SMS that this company has no template for."""
    mapped = set(SmsTemplate.objects.filter(company_id=company_id).values_list("kind", flat=True))
    return [kind for kind in sms_kinds() if kind.key not in mapped]


def parse_variables(value) -> list[str]:
    """A template's variables from a list or from text ("unit, amount, due")."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace(" ", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"variables": _("模板变量应为参数名列表")})
    return [str(v).strip() for v in value if str(v).strip()]


def check_template(template: SmsTemplate) -> None:
    """The kind is registered and offers every variable; the template id is given."""
    try:
        kind = kind_of(template.kind)
    except LookupError:
        raise ValidationError({"kind": _("未知的通知类型：%(kind)s") % {"kind": template.kind}}) from None
    template.template_id = (template.template_id or "").strip()
    if not template.template_id:
        raise ValidationError({"template_id": _("请填写服务商审核通过的模板编号")})
    template.variables = parse_variables(template.variables)
    offered = kind.offered
    unknown = [name for name in template.variables if name not in offered]
    if unknown:
        raise ValidationError(
            {
                "variables": _("「%(names)s」不是此通知类型提供的参数；可用：%(offered)s")
                % {"names": "、".join(unknown), "offered": ", ".join(offered)}
            }
        )


@service
def sms_template_save(*, actor, template: SmsTemplate) -> SmsTemplate:
    """Create or change the company's template for one kind (administrators); one per kind."""
    require(actor, Perm.ADMIN)
    if template.pk:
        locked = lock(template)
        if locked.company_id != actor.company_id:
            raise ValidationError({"kind": _("不属于本公司")})
    template.company_id = actor.company_id
    check_template(template)
    clash = SmsTemplate.objects.filter(company_id=actor.company_id, kind=template.kind).exclude(
        pk=template.pk
    )
    if clash.exists():
        raise ValidationError({"kind": _("此通知类型已有短信模板")})
    return save_validated(template)


@service
def sms_template_delete(*, actor, template: SmsTemplate) -> None:
    require(actor, Perm.ADMIN)
    lock(template).delete()


@service
def sms_signature_save(*, actor, name: str) -> SmsSignature:
    """Set the company's registered SMS signature (without the 【】)."""
    require(actor, Perm.ADMIN)
    name = (name or "").strip().strip("【】[]").strip()
    if not 2 <= len(name) <= 20:
        raise ValidationError({"name": _("短信签名为 2–20 个字")})
    signature = SmsSignature.objects.select_for_update().filter(company_id=actor.company_id).first()
    signature = signature or SmsSignature(company_id=actor.company_id)
    signature.name = name
    return save_validated(signature)
