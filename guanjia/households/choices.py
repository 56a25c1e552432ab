from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


class ClaimStep(models.IntegerChoices):
    """The steps of an undecided claim's escalation, in order."""

    BUTLER = 1, _("提醒管家")
    MANAGER = 2, _("上报项目经理")
