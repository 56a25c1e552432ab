"""System checks of notifications (``manage.py check --deploy``): with a real SMS provider configured,
its keys are set and every company has a template for every kind sent by SMS."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError

PROVIDER_KEYS = {
    "tencent": (
        "GUANJIA_TENCENTCLOUD_SECRET_ID",
        "GUANJIA_TENCENTCLOUD_SECRET_KEY",
        "GUANJIA_TENCENT_SMS_APP_ID",
    ),
    "aliyun": ("GUANJIA_ALIYUN_ACCESS_KEY_ID", "GUANJIA_ALIYUN_ACCESS_KEY_SECRET"),
}


@register("guanjia", deploy=True)
def sms_configuration(app_configs=None, **kwargs) -> list[Error]:
    from guanjia.core.models import Company
    from guanjia.notifications import channels
    from guanjia.notifications.sms import config

    backend = channels.backend_for("sms")
    if not getattr(backend, "needs_templates", False):
        return []
    errors = [
        Error(f"{name} is not set", hint="docs/notifications.md, SMS", id="guanjia.sms.E002")
        for name in PROVIDER_KEYS.get(backend.provider, ())
        if not getattr(settings, name, "")
    ]
    try:
        for company in Company.objects.order_by("pk"):
            missing = config.missing_templates(company.pk)
            if missing:
                errors.append(
                    Error(
                        f"company {company.pk} ({company}) has no SMS template for: "
                        + ", ".join(kind.key for kind in missing),
                        hint="An administrator maps each kind to the provider's template under 短信模板 "
                        "(/notifications/sms/); a kind without one cannot be sent by SMS.",
                        id="guanjia.sms.E001",
                    )
                )
            if not config.signature_for(company.pk):
                errors.append(
                    Error(
                        f"company {company.pk} ({company}) has no SMS signature",
                        hint="Set it under 短信模板, or GUANJIA_SMS_SIGN_NAME for every company.",
                        id="guanjia.sms.E003",
                    )
                )
    except DatabaseError:  # not migrated yet: nothing to check
        return errors
    return errors
