"""Choices of the lending register (借用)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnCondition(models.TextChoices):
    GOOD = "good", _("完好")
    DAMAGED = "damaged", _("损坏")
    LOST = "lost", _("丢失")


class LoanState(models.TextChoices):
    """What a list filters by; stored facts (``returned_at``, ``due_on``) decide it."""

    OUT = "out", _("借出中")
    OVERDUE = "overdue", _("逾期未还")
    RETURNED = "returned", _("已归还")
