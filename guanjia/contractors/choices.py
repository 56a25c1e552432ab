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
