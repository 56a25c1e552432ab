from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    ASK = "问", _("问")
    INSPECT = "查", _("查")
    LOOK = "看", _("看")
    ROLE_PLAY = "模拟", _("模拟")


class AuditFrequency(models.TextChoices):
    MONTHLY = "monthly", _("月度")
    QUARTERLY = "quarterly", _("季度")
    YEARLY = "yearly", _("年度")


# Within quality a frequency is always an audit frequency; the class's own name is the one the
# OpenAPI publishes, distinct from facilities' maintenance ``Frequency``.
Frequency = AuditFrequency


class AuditKind(models.TextChoices):
    OPEN = "open", _("明访")
    MYSTERY = "mystery", _("暗访")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("待核查")
    IN_PROGRESS = "in_progress", _("核查中")
    SUBMITTED = "submitted", _("已提交")


class Outcome(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class NcStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    IN_ACTION = "in_action", _("整改中")
    CLOSED = "closed", _("已关闭")


class CaStatus(models.TextChoices):
    ASSIGNED = "assigned", _("整改中")
    SUBMITTED = "submitted", _("待验证")
    REJECTED = "rejected", _("验证未通过")
    CLOSED = "closed", _("已关闭")


class CaAction(models.TextChoices):
    SUBMIT = "submit", _("提交整改结果")
    ACCEPT = "accept", _("验证通过")
    REJECT = "reject", _("验证不通过")


class EscalationStep(models.IntegerChoices):
    OWNER = 1, _("提醒责任人")
    MANAGER = 2, _("升级项目经理")
    HQ_QUALITY = 3, _("升级总部品质部")
