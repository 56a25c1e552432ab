from django.db import models
from django.utils.translation import gettext_lazy as _


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", _("待上班")
    PRESENT = "present", _("正常")
    LATE = "late", _("迟到")
    ABSENT = "absent", _("缺勤")


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已撤回")


class CoverStep(models.IntegerChoices):
    """The ladder of a post below its minimum cover, before the shift starts."""

    HEAD = 1, _("通知部门主管")
    MANAGER = 2, _("升级至项目经理")
