"""The records of fees (收费): charge items and the rates each project bills, meter readings, bills and
their lines, payments with receipts, and the append-only ledger every amount is derived from.

The ledger is the truth. A bill's outstanding amount is the sum of its entries (charges +, payments −,
refunds +, adjustments ±); nothing in the ledger is ever edited or deleted, a correction is a new entry.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.billing.choices import (
    BillKind,
    ChargeKind,
    CorrectionKind,
    CorrectionStatus,
    EntryKind,
    InvoiceStatus,
    ItemScope,
    Meter,
    PaymentMethod,
    VisitStatus,
)
from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy

CENT = Decimal("0.01")
period_validator = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("账期格式应为 YYYY-MM"))


def money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def rate(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=4, validators=[MinValueValidator(0)], **kwargs)


def _resident_units(scope):
    return Occupancy.objects.current().filter(resident_id=scope.resident_id).values("unit_id")


class UnitHeldQuerySet(ScopedQuerySet):
    """Rows of a unit: residents see those of the units they currently live in or own."""

    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))


# Charge items -------------------------------------------------------------------------------------


class ChargeItem(CompanyOwned):
    """A fee the company charges (收费项目): management fee per m², parking, water, a deposit …"""

    name = models.CharField(_("收费项目"), max_length=40)
    kind = models.CharField(_("计费方式"), max_length=10, choices=ChargeKind.choices)
    meter = models.CharField(_("表计"), max_length=10, choices=Meter.choices, blank=True)
    unit_price = rate(verbose_name=_("单价"))
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="billing_item_name_unique")]

    def __str__(self) -> str:
        return self.name


class ProjectCharge(ProjectOwned):
    """A charge item a project bills (项目收费标准), at the item's price or its own."""

    item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("收费项目")
    )
    unit_price = rate(
        verbose_name=_("本项目单价"), null=True, blank=True, help_text=_("留空则用收费项目的单价")
    )
    scope = models.CharField(
        _("适用房屋"), max_length=10, choices=ItemScope.choices, default=ItemScope.ALL_UNITS
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目收费标准")
        verbose_name_plural = _("项目收费标准")
        ordering = ["project_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "item"], name="billing_project_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.item_id}"

    @property
    def price(self) -> Decimal:
        return self.unit_price if self.unit_price is not None else self.item.unit_price


class UnitCharge(ProjectOwned):
    """A unit that takes a charge billed only to registered units (a rented parking space …)."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("收费项目")
    )
    unit_price = rate(verbose_name=_("本户单价"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=100, blank=True, help_text=_("如车位号"))

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋收费登记")
        verbose_name_plural = _("房屋收费登记")
        ordering = ["unit_id", "item_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "item"], name="billing_unit_item_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.item_id}"


class MeterReading(ProjectOwned):
    """A unit's meter read for a period (抄表): the usage billed is this reading minus the one before."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("收费项目")
    )
    period = models.CharField(_("账期"), max_length=7, validators=[period_validator])
    reading = models.DecimalField(
        _("读数"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    previous = models.DecimalField(_("上次读数"), max_digits=12, decimal_places=2, default=Decimal("0"))
    usage = models.DecimalField(_("用量"), max_digits=12, decimal_places=2, default=Decimal("0"))
    read_on = models.DateField(_("抄表日期"))
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("抄表记录")
        verbose_name_plural = _("抄表记录")
        ordering = ["-period", "unit_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "item", "period"], name="billing_reading_unique"),
        ]
        indexes = [models.Index(fields=["project", "period"], name="billing_reading_period_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.item_id}/{self.period}: {self.reading}"


# Bills --------------------------------------------------------------------------------------------


class Bill(ProjectOwned):
    """What a unit is asked to pay (账单): one per unit and month (月度账单), or a one-off such as a
    renovation deposit. Its lines never change; what is still owed is derived from the ledger."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=BillKind.choices, default=BillKind.PERIODIC)
    period = models.CharField(_("账期"), max_length=7, validators=[period_validator])
    total = money(verbose_name=_("应收合计"), default=Decimal("0"))
    due_on = models.DateField(_("缴费截止日"))
    issued_at = models.DateTimeField(_("出账时间"))
    key = models.CharField(_("幂等键"), max_length=64, blank=True)
    # The last reminder (催缴) sent by hand (``bill_remind``: at most once a Shanghai day).
    reminded_at = models.DateTimeField(_("最近催缴时间"), null=True, blank=True)
    # A paid-service bill: the request whose confirmed charges it bills (key ``ticket:<id>``).
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工单"),
    )

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("账单")
        verbose_name_plural = _("账单")
        ordering = ["-period", "unit_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period"], condition=Q(kind="periodic"), name="billing_bill_once_per_period"
            ),
            models.UniqueConstraint(fields=["company", "key"], condition=~Q(key=""), name="billing_bill_key"),
        ]
        indexes = [
            models.Index(fields=["project", "period"], name="billing_bill_period_idx"),
            models.Index(fields=["unit", "due_on"], name="billing_bill_unit_due_idx"),
            models.Index(fields=["company", "due_on"], name="billing_bill_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class BillLine(ProjectOwned):
    """One charge of a bill: item, quantity (m², months, m³ …), price and amount."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines", verbose_name=_("账单"))
    item = models.ForeignKey(
        ChargeItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("收费项目")
    )
    description = models.CharField(_("说明"), max_length=120)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("单价"), max_digits=12, decimal_places=4)
    amount = money(verbose_name=_("金额"))
    # The request's charge line this bill line bills (at most once: unique).
    ticket_charge = models.OneToOneField(
        "tickets.TicketCharge",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工单收费明细"),
    )

    class LineQuerySet(ScopedQuerySet):
        def for_resident(self, scope):
            return self.filter(bill__unit_id__in=_resident_units(scope))

    objects = LineQuerySet.as_manager()

    class Meta:
        verbose_name = _("账单明细")
        verbose_name_plural = _("账单明细")
        ordering = ["bill_id", "id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


# Payments and the ledger --------------------------------------------------------------------------


class Payment(ProjectOwned):
    """Money received for a unit (收款), posted exactly once, with a receipt number (收据号)."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    method = models.CharField(_("付款方式"), max_length=10, choices=PaymentMethod.choices)
    amount = money(verbose_name=_("金额"), validators=[MinValueValidator(CENT)])
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=64)
    receipt_no = models.CharField(_("收据号"), max_length=30)
    received_at = models.DateTimeField(_("收款时间"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("收款人"),
    )
    payer = models.CharField(_("付款人"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("收款")
        verbose_name_plural = _("收款")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "idempotency_key"], name="billing_payment_once"),
            models.UniqueConstraint(fields=["project", "receipt_no"], name="billing_receipt_unique"),
            models.UniqueConstraint(
                fields=["company", "method", "reference"],
                condition=~Q(reference=""),
                name="billing_payment_ref",
            ),
        ]
        indexes = [models.Index(fields=["unit", "-received_at"], name="billing_payment_unit_idx")]

    def __str__(self) -> str:
        return self.receipt_no


class ReceiptCounter(models.Model):
    """The running receipt number of a project and year."""

    project = models.ForeignKey("estates.Project", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="billing_receipt_counter")]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.year}: {self.last}"


class Correction(ProjectOwned):
    """A refund (退款) or an adjustment (调账) asked for by one person and decided by another; only
    an approved one writes ledger entries."""

    kind = models.CharField(_("类型"), max_length=12, choices=CorrectionKind.choices)
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("账单")
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("收款")
    )
    amount = money(verbose_name=_("金额"))
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("退款/调账")
        verbose_name_plural = _("退款/调账")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["project", "status"], name="billing_correction_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class LedgerEntry(ProjectOwned):
    """One movement of what a unit owes (分户账): never edited, never deleted.

    ``amount`` is signed: a charge or a refund raises what is owed, a payment lowers it, an
    adjustment does either. ``bill`` is empty for a payment's unallocated remainder (预存, credit).
    """

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="entries", verbose_name=_("账单")
    )
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("收款"),
    )
    correction = models.ForeignKey(
        Correction, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    amount = money(verbose_name=_("金额"))
    # The bill's period, copied so that collection figures read one indexed table.
    period = models.CharField(_("账期"), max_length=7, blank=True)
    time = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("分户账分录")
        verbose_name_plural = _("分户账分录")
        ordering = ["time", "id"]
        indexes = [
            models.Index(fields=["unit", "bill"], name="billing_entry_unit_idx"),
            models.Index(fields=["company", "project", "period", "kind"], name="billing_entry_period_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="billing_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        # Append-only: a correction is a new entry (see services), never a change to this one.
        if not self._state.adding:
            raise RuntimeError("ledger entries are never changed")
        super().save(*args, **kwargs)


class CollectionVisit(ProjectOwned):
    """A door-to-door collection appointment (上门收费), booked at least a day ahead."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("收费员")
    )
    visit_at = models.DateTimeField(_("上门时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.BOOKED
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("收款")
    )

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("上门收费预约")
        verbose_name_plural = _("上门收费预约")
        ordering = ["visit_at", "id"]
        indexes = [models.Index(fields=["project", "visit_at"], name="billing_visit_time_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.visit_at:%Y-%m-%d %H:%M}"


# The loops that reach the bill: pay-by-satisfaction, late fees, invoices -----------------------------


class FeeSettlement(ProjectOwned):
    """Pay by satisfaction (买单式) applied to one bill, once: the management fee on the bill (base),
    the satisfaction result of the period that governs it, the percentage that result earns on the
    published scale, and the amount due. The difference is one adjustment entry; any change later
    is an adjustment another person approves."""

    bill = models.OneToOneField(
        Bill, on_delete=models.PROTECT, related_name="settlement", verbose_name=_("账单")
    )
    survey_id = models.PositiveIntegerField(_("调查"))
    survey_label = models.CharField(_("满意度调查"), max_length=130)
    satisfied_share = models.DecimalField(_("满意率"), max_digits=5, decimal_places=4)
    fee_percent = models.DecimalField(_("收费比例(%)"), max_digits=5, decimal_places=2)
    base = money(verbose_name=_("物业费基数"))
    amount_due = money(verbose_name=_("应缴物业费"))
    applied_at = models.DateTimeField(_("执行时间"))

    class SettlementQuerySet(ScopedQuerySet):
        def for_resident(self, scope):
            return self.filter(bill__unit_id__in=_resident_units(scope))

    objects = SettlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("买单式结算")
        verbose_name_plural = _("买单式结算")
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.fee_percent}%"


class LateFeePolicy(ProjectOwned):
    """A project's late fee (滞纳金) rule, off by default. From the day after the grace date (due date
    + ``grace_days``), and not before ``starts_on``, each day adds ``daily_rate`` × the principal
    still owed at the start of that day — never on the late fee itself (no compounding) — up to
    ``cap_percent`` of the bill's principal."""

    enabled = models.BooleanField(_("启用"), default=False)
    daily_rate = models.DecimalField(
        _("日费率"),
        max_digits=7,
        decimal_places=6,
        default=Decimal("0.000500"),
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("0.01"))],
        help_text=_("如 0.0005 即每日万分之五"),
    )
    grace_days = models.PositiveSmallIntegerField(_("宽限天数"), default=0)
    cap_percent = models.DecimalField(
        _("上限(占本金%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    starts_on = models.DateField(_("起算日期"), help_text=_("此日之前的逾期不计滞纳金"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("滞纳金规则")
        verbose_name_plural = _("滞纳金规则")
        ordering = ["project_id"]
        constraints = [models.UniqueConstraint(fields=["project"], name="billing_late_policy_once")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.daily_rate}/d"


class InvoiceRequest(ProjectOwned):
    """A request for an electronic invoice (电子发票) of a payment: the title, tax number and e-mail
    it goes to; finance issues it through the invoicing backend or marks it issued by hand."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="invoice_requests", verbose_name=_("收款")
    )
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    title = models.CharField(_("发票抬头"), max_length=100)
    tax_no = models.CharField(_("纳税人识别号"), max_length=20, blank=True)
    email = models.EmailField(_("接收邮箱"))
    amount = money(verbose_name=_("开票金额"))
    status = models.CharField(
        _("状态"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    invoice_no = models.CharField(_("发票号码"), max_length=40, blank=True)
    document = models.CharField(_("发票文件"), max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("开票时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = UnitHeldQuerySet.as_manager()

    class Meta:
        verbose_name = _("电子发票申请")
        verbose_name_plural = _("电子发票申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status__in=["requested", "issued"]),
                name="billing_invoice_once_per_payment",
            ),
        ]
        indexes = [models.Index(fields=["company", "status"], name="billing_invoice_status_idx")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.title}"
