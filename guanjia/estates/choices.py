from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅小区")
    OFFICE = "office", _("写字楼")
    COMMERCIAL = "commercial", _("商业")


class UnitStatus(models.TextChoices):
    VACANT = "vacant", _("空置")
    OCCUPIED = "occupied", _("已入住")
    RENOVATING = "renovating", _("装修中")


class Relation(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")
    FAMILY = "family", _("家庭成员")


class ContactPreference(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    APP = "app", _("业主端消息")
    EMAIL = "email", _("邮件")
