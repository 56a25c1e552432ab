"""Which merchant account pays for a project, per gateway: the project's own, else the company's
(settings page, ``MerchantAccount``), else the deployment's from the environment
(``GUANJIA_WECHATPAY_*``, ``GUANJIA_ALIPAY_*``). Never in the code."""

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


@dataclass(frozen=True)
class AlipayConfig:
    """An Alipay app (开放平台应用): its app id, the app's private key (signs our requests, RSA2),
    Alipay's public key (verifies answers and notifies), the seller's PID (2088…, optional: checked
    on notifies when given) and the gateway (``…/gateway.do``; the tests' fake)."""

    account_id: int | None
    app_id: str
    private_key: str
    public_key: str
    seller_id: str
    gateway: str

    @property
    def mchid(self) -> str:
        """What orders and reconciliation lines record as the merchant: the PID, else the app id."""
        return self.seller_id or self.app_id

    @property
    def appid(self) -> str:
        return self.app_id


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


def _alipay_from_env() -> AlipayConfig | None:
    if not settings.GUANJIA_ALIPAY_APP_ID:
        return None
    return AlipayConfig(
        account_id=None,
        app_id=settings.GUANJIA_ALIPAY_APP_ID,
        private_key=_pem(settings.GUANJIA_ALIPAY_PRIVATE_KEY),
        public_key=_pem(settings.GUANJIA_ALIPAY_PUBLIC_KEY),
        seller_id=settings.GUANJIA_ALIPAY_SELLER_ID,
        gateway=settings.GUANJIA_ALIPAY_GATEWAY,
    )


def alipay_from_account(account: MerchantAccount) -> AlipayConfig:
    return AlipayConfig(
        account_id=account.pk,
        app_id=account.appid,
        private_key=open_sealed(account.private_key),
        public_key=account.platform_public_key,
        seller_id=account.mchid if account.mchid != account.appid else "",
        gateway=settings.GUANJIA_ALIPAY_GATEWAY,
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


_FROM_ACCOUNT = {Provider.WECHAT: from_account, Provider.ALIPAY: alipay_from_account}
_FROM_ENV = {Provider.WECHAT: lambda: _from_env(), Provider.ALIPAY: lambda: _alipay_from_env()}


def config_for(provider: str, company_id: int, project_id: int | None):
    """The account of a gateway that takes a project's money, or None when it has none."""
    accounts = MerchantAccount.objects.filter(company_id=company_id, provider=provider, enabled=True)
    account = None
    if project_id:
        account = accounts.filter(project_id=project_id).first()
    if account is None:
        account = accounts.filter(project__isnull=True).first()
    if account is not None:
        return _FROM_ACCOUNT[provider](account)
    return _FROM_ENV[provider]()


def wechat_for(company_id: int, project_id: int | None) -> WechatConfig | None:
    """The WeChat Pay account that takes a project's money, or None when it has none."""
    return config_for(Provider.WECHAT, company_id, project_id)


def alipay_for(company_id: int, project_id: int | None) -> AlipayConfig | None:
    return config_for(Provider.ALIPAY, company_id, project_id)


def configured(company_id: int, project_ids) -> list[str]:
    """The gateways at least one of these projects can take money through (the pay page offers
    only these), in the order they are shown."""
    return [
        provider
        for provider in Provider.values
        if any(config_for(provider, company_id, project_id) for project_id in project_ids)
    ]


def company_configs(provider: str, company_id: int) -> list:
    """Every account of a gateway the company's money goes to (reconciliation: one bill each)."""
    accounts = MerchantAccount.objects.filter(company_id=company_id, provider=provider, enabled=True)
    found = {cfg.mchid: cfg for cfg in map(_FROM_ACCOUNT[provider], accounts)}
    env = _FROM_ENV[provider]()
    if not found and env is not None:
        found[env.mchid] = env
    return list(found.values())


def notify_url(company_id: int, project_id: int | None, provider: str = Provider.WECHAT) -> str:
    """Where the gateway sends its callbacks for this account (HTTPS, reachable from outside)."""
    base = settings.GUANJIA_PAYMENTS_NOTIFY_BASE.rstrip("/")
    return f"{base}/payments/notify/{provider}/{company_id}/{project_id or 0}/"


def return_url(out_trade_no: str) -> str:
    """Where the phone comes back to after paying on the gateway's page: the order's page."""
    base = settings.GUANJIA_PAYMENTS_NOTIFY_BASE.rstrip("/")
    return f"{base}/portal/pay/{out_trade_no}/"
