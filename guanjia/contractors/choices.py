"""Choices of the contractors app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractorCategory(models.TextChoices):
    """What an outside firm does for the company (its main line; a firm may also supply goods)."""

    LIFT = "lift", _("电梯维保")
    FIRE = "fire", _("消防维保")
    CLEANING = "cleaning", _("保洁")
    GREENING = "greening", _("绿化")
    SECURITY = "security", _("秩序安保")
    EQUIPMENT = "equipment", _("设备维修")
    PEST = "pest", _("消杀")
    MATERIALS = "materials", _("材料供应")
    OTHER = "other", _("其他")


class ContractStatus(models.TextChoices):
    """A contract's life: drafted, in force, then over — by its end date or ended early."""

    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("履行中")
    EXPIRED = "expired", _("已到期")
    TERMINATED = "terminated", _("已终止")


class RenewalDecision(models.TextChoices):
    """What the contract's owner decided before its end (the reminders and the ladder wait for it)."""

    RENEW = "renew", _("续签")
    END = "end", _("到期终止")


class ServiceLevelKind(models.TextChoices):
    """A service level the contractor promises, each measured against a number and a unit."""

    ON_SITE = "on_site", _("接报后到场")
    REPAIR = "repair", _("故障修复")
    MAINTENANCE_BY_DAY = "maintenance_by_day", _("每月维保完成日")
    FREQUENCY = "frequency", _("作业频次")
    PASS_RATE = "pass_rate", _("检查合格率")
    OTHER = "other", _("其他")


class ServiceLevelUnit(models.TextChoices):
    MINUTES = "minutes", _("分钟")
    HOURS = "hours", _("小时")
    DAYS = "days", _("天")
    DAY_OF_MONTH = "day_of_month", _("每月第几日")
    TIMES_PER_MONTH = "times_per_month", _("次/月")
    PERCENT = "percent", _("%")


class ContractEventKind(models.TextChoices):
    """The lines of a contract's timeline."""

    CREATED = "created", _("起草")
    ACTIVATED = "activated", _("生效")
    CHANGED = "changed", _("修改")
    DOCUMENT = "document", _("上传附件")
    REMINDED = "reminded", _("到期提醒")
    ESCALATED = "escalated", _("到期未决升级")
    DECIDED = "decided", _("续签决定")
    RENEWED = "renewed", _("续签生成新合同")
    TERMINATED = "terminated", _("提前终止")
    EXPIRED = "expired", _("到期")


class EscalationStep(models.IntegerChoices):
    """Who is told when the owner has not decided (renew / let it end) as the end draws near."""

    MANAGER = 1, _("30天内未决定：通知项目经理")
    ADMIN = 2, _("7天内未决定：通知公司管理员")


class PerformancePeriod(models.TextChoices):
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
