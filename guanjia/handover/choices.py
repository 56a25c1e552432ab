"""The fixed vocabularies of handover (收楼 / 入住) and takeover inspection (接管验收)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HandoverReadyStatus(models.TextChoices):
    """Where a handover-ready unit (可交付房屋) stands."""

    READY = "ready", _("待交付")
    BOOKED = "booked", _("已预约")
    HANDED_OVER = "handed_over", _("已交付")


class HandoverStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    COMPLETED = "completed", _("已交付")
    CANCELLED = "cancelled", _("已取消")


class HandoverInspectionKind(models.TextChoices):
    """What an inspection is of: a unit handed to its owner, or a project's common parts taken over
    from the developer. One shape (rooms/areas × items, OK or defect with photos) serves both."""

    HANDOVER = "handover", _("收楼验房")
    TAKEOVER = "takeover", _("接管验收")


class HandoverItemResult(models.TextChoices):
    PENDING = "pending", _("未查")
    OK = "ok", _("合格")
    DEFECT = "defect", _("有问题")


class HandoverDefectStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("复验通过")


class TakeoverStatus(models.TextChoices):
    INSPECTING = "inspecting", _("验收中")
    RESERVED = "reserved", _("有保留接管")
    ACCEPTED = "accepted", _("已接管")


class Step(models.IntegerChoices):
    """Rungs of the ladder a developer's late rectification climbs."""

    OWNER = 1, _("提醒验收负责人催办开发商")
    MANAGER = 2, _("升级至公司管理员")


# Documents checked when a unit is handed over (证件资料核验); ID and contract are required.
DOCUMENTS = [
    ("id_card", _("身份证")),
    ("contract", _("购房合同")),
    ("handover_notice", _("入伙通知书")),
    ("payment_proof", _("购房款缴清证明")),
    ("mandate", _("委托书（代办时）")),
]
REQUIRED_DOCUMENTS = ("id_card", "contract")

# Keys handed over (钥匙交接): kinds and counts.
KEY_KINDS = [
    ("door", _("入户门钥匙")),
    ("mailbox", _("信报箱钥匙")),
    ("card", _("门禁卡")),
    ("meter_box", _("电表箱钥匙")),
]
