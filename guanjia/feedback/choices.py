from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceLine(models.TextChoices):
    """The service lines a satisfaction survey asks about (SPEC §5, seed 002)."""

    CUSTOMER_SERVICE = "service", _("客服")
    ENGINEERING = "engineering", _("工程")
    SECURITY = "security", _("秩序")
    ENVIRONMENT = "environment", _("环境")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class CardTarget(models.TextChoices):
    """Whom a card rates: the property company, or the owners' committee (业委会)."""

    COMPANY = "company", _("物业公司")
    COMMITTEE = "committee", _("业主委员会")


class CardColour(models.TextChoices):
    """Seed 000 §2.2: blue = satisfied, yellow = warning (rectify within a deadline), red = refuses
    cooperation (不配合 / 不满意)."""

    BLUE = "blue", _("蓝牌（满意）")
    YELLOW = "yellow", _("黄牌（警告，限期整改）")
    RED = "red", _("红牌（不满意，拒绝合作）")


class YearRating(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NONE = "none", _("无投票")
