from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    SERVICE = "service", _("客服")
    ENGINEERING = "engineering", _("工程")
    SECURITY = "security", _("秩序")
    ENVIRONMENT = "environment", _("环境")
    QUALITY = "quality", _("品质")
    MANAGEMENT = "management", _("管理")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


DEFAULT_SKILLS = ["水电", "电梯", "门窗", "消防", "管道疏通", "空调暖通", "弱电", "土建", "绿化", "保洁"]
