"""The fixed vocabularies of fees: kinds of charge item, ledger entries, payment methods, corrections."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChargeKind(models.TextChoices):
    """How a charge item turns into an amount on a monthly bill."""

    AREA = "area", _("按面积（元/㎡·月）")  # management fee: unit area × rate
    FIXED = "fixed", _("固定金额（元/月）")  # parking space, rubbish removal …
    METERED = "metered", _("按抄表（元/度、元/吨）")  # water, power: usage × rate
    ONE_OFF = "one_off", _("一次性（押金等）")  # renovation deposit: billed on its own, never monthly
    SERVICE = "service", _("有偿服务（按工单）")  # a paid service confirmed on a request: its own bill


class Meter(models.TextChoices):
    WATER = "water", _("水表")
    POWER = "power", _("电表")
    GAS = "gas", _("燃气表")


class ItemScope(models.TextChoices):
    """Which units of a project a project's charge reaches."""

    ALL_UNITS = "all", _("全部房屋")
    SUBSCRIBED = "subscribed", _("仅登记的房屋")  # parking: only units that rent a space


class BillKind(models.TextChoices):
    PERIODIC = "periodic", _("月度账单")
    ONE_OFF = "one_off", _("一次性账单")
    SERVICE = "service", _("有偿服务账单")  # the confirmed charges of one request


class BillStatus(models.TextChoices):
    """Derived from the ledger, never stored: what the bill still asks for."""

    OPEN = "open", _("未缴")
    PARTIAL = "partial", _("部分已缴")
    PAID = "paid", _("已结清")


class EntryKind(models.TextChoices):
    """A ledger entry. Amounts are signed: what the unit owes goes up (+) or down (−)."""

    CHARGE = "charge", _("应收")  # + : a bill's line
    PAYMENT = "payment", _("收款")  # − : money received, allocated to a bill (or kept as credit)
    REFUND = "refund", _("退款")  # + : money given back
    ADJUSTMENT = "adjustment", _("调账")  # ± : a waiver or a correction, with its reason
    LATE_FEE = "late_fee", _("滞纳金")  # + by the daily job, − by an approved waiver; shown apart


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("银行转账")
    ONLINE = "online", _("线上支付")
    CARD = "card", _("刷卡")


class CorrectionKind(models.TextChoices):
    ADJUSTMENT = "adjustment", _("调账")
    REFUND = "refund", _("退款")
    LATE_FEE_WAIVER = "late_waiver", _("滞纳金减免")


class InvoiceStatus(models.TextChoices):
    """An invoice request (电子发票申请): asked for, then issued (with its number) or refused."""

    REQUESTED = "requested", _("待开票")
    ISSUED = "issued", _("已开票")
    REJECTED = "rejected", _("已驳回")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    DONE = "done", _("已上门")
    MISSED = "missed", _("未遇")
    CANCELLED = "cancelled", _("已取消")
