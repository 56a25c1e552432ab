"""Which merchant account pays for a project: the project's own, else the company's (settings page,
``MerchantAccount``), else the deployment's from the environment (``GUANJIA_WECHATPAY_*``). Never in
the code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from guanjia.payments.choices import Provider
from guanjia.payments.models import MerchantAccount
from guanjia.payments.secretbox import open_sealed


@dataclass(frozen=True)
class WechatConfig:
    account_id: int | None
    mchid: str
    appid: str
    cert_serial_no: str
    private_key: str
    apiv3_key: str
    public_key: str
    public_key_id: str
    endpoint: str


def _pem(value: str) -> str:
    """A key given in the environment as PEM text or as the path of a PEM file."""
    if value and not value.lstrip().startswith("-----") and len(value) < 512 and Path(value).is_file():
        return Path(value).read_text()
    return value


def _from_env() -> WechatConfig | None:
    if not settings.GUANJIA_WECHATPAY_MCHID:
        return None
    return WechatConfig(
        account_id=None,
        mchid=settings.GUANJIA_WECHATPAY_MCHID,
        appid=settings.GUANJIA_WECHATPAY_APPID,
        cert_serial_no=settings.GUANJIA_WECHATPAY_CERT_SERIAL_NO,
        private_key=_pem(settings.GUANJIA_WECHATPAY_PRIVATE_KEY),
        apiv3_key=settings.GUANJIA_WECHATPAY_APIV3_KEY,
        public_key=_pem(settings.GUANJIA_WECHATPAY_PUBLIC_KEY),
        public_key_id=settings.GUANJIA_WECHATPAY_PUBLIC_KEY_ID,
        endpoint=settings.GUANJIA_WECHATPAY_ENDPOINT,
    )


def from_account(account: MerchantAccount) -> WechatConfig:
    return WechatConfig(
        account_id=account.pk,
        mchid=account.mchid,
        appid=account.appid,
        cert_serial_no=account.cert_serial_no,
        private_key=open_sealed(account.private_key),
        apiv3_key=open_sealed(account.apiv3_key),
        public_key=account.platform_public_key,
        public_key_id=account.platform_public_key_id,
        endpoint=settings.GUANJIA_WECHATPAY_ENDPOINT,
    )


def wechat_for(company_id: int, project_id: int | None) -> WechatConfig | None:
    """The WeChat Pay account that takes a project's money, or None when it has none."""
    accounts = MerchantAccount.objects.filter(company_id=company_id, provider=Provider.WECHAT, enabled=True)
    account = None
    if project_id:
        account = accounts.filter(project_id=project_id).first()
    if account is None:
        account = accounts.filter(project__isnull=True).first()
    if account is not None:
        return from_account(account)
    return _from_env()


def notify_url(company_id: int, project_id: int | None) -> str:
    """Where the gateway sends its callbacks for this account (HTTPS, reachable from outside)."""
    base = settings.GUANJIA_PAYMENTS_NOTIFY_BASE.rstrip("/")
    return f"{base}/payments/notify/wechat/{company_id}/{project_id or 0}/"
