"""The fixed vocabularies of renovation (装修): where an application stands, what a violation is."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RenovationStatus(models.TextChoices):
    ENGINEERING = "engineering", _("待工程审核")
    MANAGER = "manager", _("待项目经理审批")
    APPROVED = "approved", _("待缴费")
    PERMITTED = "permitted", _("施工中")
    STOPPED = "stopped", _("已停工")
    COMPLETED = "completed", _("已竣工验收")
    REFUNDING = "refunding", _("押金退还审批中")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("已驳回")


# Statuses waiting for a person's decision by a stored deadline (``step_due_at``).
WAITING = (RenovationStatus.ENGINEERING, RenovationStatus.MANAGER)
# Statuses in which a permit is in force or suspended: another permit for the unit would overlap.
HOLDS_UNIT = (RenovationStatus.PERMITTED, RenovationStatus.STOPPED)


class RenovationChannel(models.TextChoices):
    PORTAL = "portal", _("业主端")
    DESK = "desk", _("前台代办")


class RenovationViolationKind(models.TextChoices):
    STRUCTURE = "structure", _("改动承重/主体结构")
    NOISE = "noise", _("违反施工时间（噪音）")
    RUBBISH = "rubbish", _("装修垃圾乱堆")
    FIRE = "fire", _("消防安全隐患")
    OTHER = "other", _("其他")


class RenovationViolationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFIED = "rectified", _("已整改")


class Step(models.IntegerChoices):
    """Rungs of the ladder a missed deadline climbs (approval steps and rectifications)."""

    OWNER = 1, _("提醒责任人")
    MANAGER = 2, _("升级至上级")
