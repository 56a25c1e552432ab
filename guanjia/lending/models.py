"""The lending register (借用): things the service centre lends to residents — wheelchairs,
umbrellas, tools, ladders … — per project with a quantity, each loan to a resident's unit with the
borrower, the ID check, the due day and the return with its condition, and the overdue reminders.

Stock on hand is stored on the item and changes only in ``services`` (lend, return, recount), under
the item's row lock and a conditional update, so it never goes below zero.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned, SoftDeletable
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy
from guanjia.lending.choices import ReturnCondition


class LendingItem(ProjectOwned, SoftDeletable):
    """A kind of thing a project lends (轮椅 ×2, 雨伞 ×20 …): how many it owns and how many are in."""

    name = models.CharField(_("物品名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("总数量"))
    on_hand = models.PositiveIntegerField(_("在库数量"), editable=False)
    loan_days = models.PositiveSmallIntegerField(_("默认借期(天)"), default=3)
    is_active = models.BooleanField(_("可借"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("借用物品")
        verbose_name_plural = _("借用物品")
        ordering = ["project_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=Q(deleted_at__isnull=True),
                name="lending_item_name",
                violation_error_message=_("该项目已有同名物品"),
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0) & Q(on_hand__lte=F("quantity")),
                name="lending_item_stock",
                violation_error_message=_("在库数量不能为负，也不能超过总数量"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoanQuerySet(ScopedQuerySet):
    """Residents see the loans of the units they currently live in or own."""

    def for_resident(self, scope):
        units = Occupancy.objects.current().filter(resident_id=scope.resident_id).values("unit_id")
        return self.filter(unit_id__in=units)


class Loan(ProjectOwned):
    """One loan (借出) of some of an item to a resident's unit, until it is returned."""

    item = models.ForeignKey(
        LendingItem, on_delete=models.PROTECT, related_name="loans", verbose_name=_("物品")
    )
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("借用住户"),
    )
    borrower_name = models.CharField(_("借用人"), max_length=60)
    borrower_phone = models.CharField(_("联系电话"), max_length=20)
    id_checked = models.BooleanField(_("已核验证件"), default=False)
    # Only the masked number is kept (first 3 and last 4 characters): proof that it was seen.
    id_number_masked = models.CharField(_("证件号(脱敏)"), max_length=24, blank=True)
    quantity = models.PositiveSmallIntegerField(_("数量"))
    lent_at = models.DateTimeField(_("借出时间"))
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    due_on = models.DateField(_("应还日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("收回人"),
    )
    return_condition = models.CharField(
        _("归还状况"), max_length=8, choices=ReturnCondition.choices, blank=True
    )
    return_note = models.CharField(_("归还说明"), max_length=200, blank=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("借用登记")
        verbose_name_plural = _("借用登记")
        ordering = ["-lent_at", "-id"]
        indexes = [
            models.Index(
                fields=["company", "project", "returned_at", "due_on"], name="lending_loan_open_idx"
            ),
            models.Index(fields=["unit", "returned_at"], name="lending_loan_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="lending_loan_quantity"),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True, return_condition="")
                | (Q(returned_at__isnull=False) & ~Q(return_condition="")),
                name="lending_loan_return",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}×{self.quantity} → {self.unit_id}"

    @property
    def is_out(self) -> bool:
        return self.returned_at is None


class LoanReminder(ProjectOwned):
    """One overdue reminder sent for a loan on one Shanghai day; unique, so a job run twice (or on
    two workers) reminds once a day."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="reminders")
    day = models.DateField(_("日期"))
    sent_to = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("逾期提醒")
        verbose_name_plural = _("逾期提醒")
        ordering = ["day", "id"]
        constraints = [models.UniqueConstraint(fields=["loan", "day"], name="lending_reminder_once_a_day")]
