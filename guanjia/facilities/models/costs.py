"""The costs of running, repairing or replacing an item, entered by hand (contractors' invoices).
The material cost of repair requests is read from tickets, not stored here."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.facilities.choices import CostKind
from guanjia.facilities.models.ledger import Equipment


class EquipmentCost(ProjectOwned):
    """A cost of running, repairing or replacing an item entered by hand (a contractor's invoice)."""

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="costs")
    kind = models.CharField(_("费用类别"), max_length=12, choices=CostKind.choices)
    incurred_on = models.DateField(_("发生日期"))
    amount = models.DecimalField(
        _("金额"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    contractor = models.CharField(_("单位"), max_length=100, blank=True)
    invoice_no = models.CharField(_("发票号"), max_length=40, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备费用")
        verbose_name_plural = _("设备费用")
        ordering = ["-incurred_on", "-id"]
        indexes = [
            models.Index(fields=["company", "project", "incurred_on"], name="facilities_cost_date_idx")
        ]

    def __str__(self) -> str:
        return f"{self.equipment_id} {self.amount}"
