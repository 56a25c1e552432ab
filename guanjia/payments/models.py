"""The records of online payment (线上支付): a company's merchant account at a gateway, the orders a
resident (or the desk) opens for chosen bills, the bills each order holds, every callback received,
and the refunds sent back through the gateway.

The money itself is in billing's ledger: a paid order points at the ``billing.Payment`` that the
gateway's confirmation posted, exactly once (the gateway's transaction id is its reference).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.billing.models import UnitHeldQuerySet, money
from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.payments.choices import (
    DiffKind,
    DiffResolution,
    NoticeOutcome,
    OrderStatus,
    PayChannel,
    Provider,
    RefundStatus,
)


class MerchantAccount(CompanyOwned):
    """A company's (or one project's) merchant account at a gateway: 商户号, the app id residents
    pay in, the merchant's API key and certificate serial, the APIv3 key, the platform's public key.
    For Alipay: ``appid`` is the app (应用 APPID), ``mchid`` the seller's PID (2088…, or the app id),
    ``private_key`` the app's private key, ``platform_public_key`` Alipay's public key. The secrets are stored encrypted (``payments.secretbox``), never shown again, and never
    written to the journal."""

    journal_exclude = ("updated_at", "private_key", "apiv3_key")

    project = models.ForeignKey(
        "estates.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("项目"),
        help_text=_("留空则用于全公司"),
    )
    provider = models.CharField(
        _("支付渠道"), max_length=10, choices=Provider.choices, default=Provider.WECHAT
    )
    enabled = models.BooleanField(_("启用"), default=True)
    mchid = models.CharField(_("商户号"), max_length=32)
    appid = models.CharField(_("公众号 AppID"), max_length=32)
    cert_serial_no = models.CharField(_("商户证书序列号"), max_length=64, blank=True)
    private_key = models.TextField(_("商户 API 私钥（加密保存）"), blank=True)
    apiv3_key = models.TextField(_("APIv3 密钥（加密保存）"), blank=True)
    platform_public_key = models.TextField(_("微信支付公钥"))
    platform_public_key_id = models.CharField(_("微信支付公钥 ID"), max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("支付商户")
        verbose_name_plural = _("支付商户")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "provider"],
                condition=Q(project__isnull=True),
                name="payments_account_company",
            ),
            models.UniqueConstraint(
                fields=["company", "provider", "project"],
                condition=Q(project__isnull=False),
                name="payments_account_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.mchid}"


class PayOrder(ProjectOwned):
    """An online payment order (支付订单) for chosen bills of one unit. The amount is computed from the
    bills when the order is opened; the order holds its bills until it is paid or closed (unpaid
    after 30 minutes), so no bill is in two open orders."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    provider = models.CharField(
        _("支付渠道"), max_length=10, choices=Provider.choices, default=Provider.WECHAT
    )
    channel = models.CharField(_("支付方式"), max_length=10, choices=PayChannel.choices)
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    amount = money(verbose_name=_("金额"))
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    account = models.ForeignKey(
        MerchantAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("商户"),
    )
    mchid = models.CharField(_("商户号"), max_length=32)
    appid = models.CharField(_("AppID"), max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("失效时间"))
    prepay_id = models.CharField(max_length=64, blank=True)
    code_url = models.CharField(max_length=256, blank=True)
    h5_url = models.CharField(max_length=2048, blank=True)  # Alipay's signed link is long
    last_queried_at = models.DateTimeField(_("最近查单时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=100, blank=True)
    transaction_id = models.CharField(_("支付交易号"), max_length=64, blank=True)
    payment = models.ForeignKey(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("收款"),
    )
    refund_due = models.BooleanField(
        _("待退款"), default=False, help_text=_("订单关闭后才到账的钱：已入账为预存，须退还或说明")
    )

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("支付订单")
        verbose_name_plural = _("支付订单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "transaction_id"],
                condition=~Q(transaction_id=""),
                name="payments_order_txn",
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payments_order_open_idx"),
            models.Index(fields=["company", "-created_at"], name="payments_order_company_idx"),
        ]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def total_fen(self) -> int:
        """The amount in 分, as the gateway counts it."""
        return int(self.amount * 100)


class PayOrderBill(models.Model):
    """A bill an order pays, with what it owed when the order was opened. ``held`` while the order
    is open: a partial unique index makes a bill held by at most one order (a second is 409)."""

    order = models.ForeignKey(PayOrder, on_delete=models.CASCADE, related_name="bills")
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="+")
    amount = money()
    held = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bill"], condition=Q(held=True), name="payments_bill_held_once"),
            models.UniqueConstraint(fields=["order", "bill"], name="payments_order_bill_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.bill_id}"


class GatewayNotice(models.Model):
    """Every callback from a gateway (and every answer of a query job), verified or not, and what it
    did. A notice that failed verification changes nothing but is kept here."""

    company = models.ForeignKey(
        "core.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.CharField(max_length=10, choices=Provider.choices)
    kind = models.CharField(max_length=20)  # payment / refund / query
    received_at = models.DateTimeField(auto_now_add=True)
    verified = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, choices=NoticeOutcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    out_trade_no = models.CharField(max_length=32, blank=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    order = models.ForeignKey(
        PayOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )

    objects = ScopedQuerySet.as_manager()
    scope_company_field = "company_id"
    scope_project_field = None

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["company", "-received_at"], name="payments_notice_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome} {self.out_trade_no}"


class GatewayRefund(ProjectOwned):
    """A refund of an online payment sent back through its gateway, once per approved refund
    (``billing.Correction``); the gateway's refund callback records how it ended."""

    order = models.ForeignKey(
        PayOrder, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("订单")
    )
    correction = models.OneToOneField(
        "billing.Correction", on_delete=models.PROTECT, related_name="+", verbose_name=_("退款申请")
    )
    out_refund_no = models.CharField(_("退款单号"), max_length=64, unique=True)
    amount = money(verbose_name=_("金额"))
    status = models.CharField(
        _("状态"), max_length=12, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    refund_id = models.CharField(_("渠道退款单号"), max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("线上退款")
        verbose_name_plural = _("线上退款")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.out_refund_no


class ReconDifference(CompanyOwned):
    """A line of the daily reconciliation (对账差异): money at the gateway not in the ledger, a
    ledger entry the gateway does not have, or amounts that differ. One row per day, merchant,
    transaction and kind (running the day again finds it and changes nothing); finance resolves it."""

    provider = models.CharField(
        _("支付渠道"), max_length=10, choices=Provider.choices, default=Provider.WECHAT
    )
    mchid = models.CharField(_("商户号"), max_length=32)
    day = models.DateField(_("账单日期"))
    kind = models.CharField(_("差异类型"), max_length=16, choices=DiffKind.choices)
    transaction_id = models.CharField(_("支付交易号"), max_length=64)
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, blank=True)
    gateway_amount = money(verbose_name=_("渠道金额"), null=True, blank=True)
    ledger_amount = money(verbose_name=_("账上金额"), null=True, blank=True)
    resolution = models.CharField(_("处理"), max_length=10, choices=DiffResolution.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")
        ordering = ["-day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "provider", "mchid", "day", "transaction_id", "kind"],
                name="payments_diff_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.transaction_id}"
