"""Choices of the stores (物料仓库) and purchasing (采购) app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    SPARE_PART = "spare_part", _("备品备件")
    CONSUMABLE = "consumable", _("消耗品")
    TOOL = "tool", _("工具")


class MovementKind(models.TextChoices):
    """One line of the stock ledger. Quantities are signed: what comes in is positive."""

    RECEIVE = "receive", _("入库")
    ISSUE = "issue", _("领用出库")
    RETURN = "return", _("退库")
    TRANSFER_OUT = "transfer_out", _("调拨出库")
    TRANSFER_IN = "transfer_in", _("调拨入库")
    ADJUST = "adjust", _("盘点调整")


# Movements that are material consumed by the work (the spend): issues, less their returns.
SPEND_KINDS = (MovementKind.ISSUE, MovementKind.RETURN)


class StockTakeStatus(models.TextChoices):
    COUNTING = "counting", _("盘点中")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核入账")
    REJECTED = "rejected", _("已退回")


class PurchaseSource(models.TextChoices):
    LOW_STOCK = "low_stock", _("低于最低库存自动请购")
    TICKET = "ticket", _("维修单缺料")
    MANUAL = "manual", _("手工请购")


class PurchaseStatus(models.TextChoices):
    PENDING_PM = "pending_pm", _("待项目经理审批")
    PENDING_HQ = "pending_hq", _("待总部审批")
    APPROVED = "approved", _("已批准待下单")
    ORDERED = "ordered", _("已下单")
    RECEIVED = "received", _("已到货")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已取消")


# A request still on its way: at most one of these per store and item (the low-stock trigger's guard).
OPEN_PURCHASE = (
    PurchaseStatus.PENDING_PM,
    PurchaseStatus.PENDING_HQ,
    PurchaseStatus.APPROVED,
    PurchaseStatus.ORDERED,
)
WAITING_APPROVAL = (PurchaseStatus.PENDING_PM, PurchaseStatus.PENDING_HQ)


class PurchaseStep(models.IntegerChoices):
    """The ladder of a purchase request waiting for approval past its deadline."""

    REMIND = 1, _("提醒审批人")
    ESCALATE = 2, _("上报总部")
