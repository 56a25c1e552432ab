"""The merchant settings (支付商户): entered by a company administrator on the settings page (or
the API), one per gateway. The private key and the APIv3 key are checked, sealed (``secretbox``)
and never shown again: left empty on a later save they are kept as they were. An Alipay app needs
its app id, the app's private key and Alipay's public key (its PID is optional)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.payments.choices import Provider
from guanjia.payments.models import MerchantAccount
from guanjia.payments.secretbox import seal

ACCOUNT_FIELDS = {
    "provider",
    "project_id",
    "enabled",
    "mchid",
    "appid",
    "cert_serial_no",
    "private_key",
    "apiv3_key",
    "platform_public_key",
    "platform_public_key_id",
}
SECRETS = {Provider.WECHAT: ("private_key", "apiv3_key"), Provider.ALIPAY: ("private_key",)}
PLAIN = ("mchid", "appid", "cert_serial_no", "platform_public_key", "platform_public_key_id")


def _check_keys(data: dict) -> None:
    from wechatpayv3.utils import load_private_key, load_public_key  # loaded where used (~19 MB)

    if data.get("private_key"):
        try:
            load_private_key(data["private_key"])
        except Exception:
            raise ValidationError({"private_key": _("不是有效的 PEM 私钥")}) from None
    if data.get("apiv3_key") and len(data["apiv3_key"].encode()) != 32:
        raise ValidationError({"apiv3_key": _("APIv3 密钥应为 32 个字符")})
    if data.get("platform_public_key"):
        try:
            load_public_key(data["platform_public_key"])
        except Exception:
            raise ValidationError({"platform_public_key": _("不是有效的 PEM 公钥")}) from None


@service
def merchant_account_save(*, actor, data: dict, account: MerchantAccount | None = None) -> MerchantAccount:
    """Create or change a merchant account; secrets given are sealed, secrets left empty are kept."""
    require(actor, Perm.ADMIN)
    unknown = set(data) - ACCOUNT_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    _check_keys(data)
    provider = account.provider if account is not None else data.pop("provider", None) or Provider.WECHAT
    data.pop("provider", None)
    if provider not in Provider.values:
        raise ValidationError({"provider": _("请选择支付渠道")})
    secrets = SECRETS[provider]
    if account is None:
        account = MerchantAccount(company_id=actor.company_id, provider=provider)
        if data.get("project_id"):
            account.project = visible_reference(Project, data["project_id"], actor, field="project_id")
        for secret in secrets:
            if not data.get(secret):
                raise ValidationError({secret: _("此项为必填项")})
    else:
        account = lock(account)
    if provider == Provider.ALIPAY:
        for needed in ("appid", "platform_public_key"):
            if needed in data and not data[needed]:
                raise ValidationError({needed: _("此项为必填项")})
        data["mchid"] = data.get("mchid") or data.get("appid") or account.appid
    for field in PLAIN:
        if field in data:
            setattr(account, field, data[field] or "")
    if "enabled" in data:
        account.enabled = bool(data["enabled"])
    for secret in secrets:
        if data.get(secret):
            setattr(account, secret, seal(data[secret]))
    return save_validated(account)
