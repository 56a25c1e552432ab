"""Outside firms the company works with (供应商与外包单位): suppliers of materials and contractors of
services (lifts, fire systems, cleaning, greening, security). One register per company: the stores
order from it, contracts are made with it, the equipment ledger names its maintainer from it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.contractors.choices import ContractorCategory
from guanjia.core.models import CompanyOwned, SoftDeletable
from guanjia.core.scoping import ScopedQuerySet


class Contractor(CompanyOwned, SoftDeletable):
    """An outside firm: a supplier of goods, a contractor of services, or both."""

    name = models.CharField(_("单位名称"), max_length=120)
    category = models.CharField(
        _("主营类别"), max_length=16, choices=ContractorCategory.choices, default=ContractorCategory.OTHER
    )
    supplies_goods = models.BooleanField(_("供应物资"), default=False)
    provides_services = models.BooleanField(_("提供外包服务"), default=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("合作中"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("供应商/外包单位")
        verbose_name_plural = _("供应商/外包单位")
        ordering = ["company_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                condition=Q(deleted_at__isnull=True),
                name="contractor_name_unique",
                violation_error_message=_("已有同名单位"),
            ),
        ]
        indexes = [models.Index(fields=["company", "is_active", "name"], name="contractor_active_idx")]

    def __str__(self) -> str:
        return self.name
