"""Stores and purchasing (物料仓库与采购).

A company keeps one catalogue of items (spare parts, consumables, tools, each with its unit), a
central store (总仓, no project: seen by HQ) and a store per project. ``Stock`` is what one store
holds of one item: quantity on hand, its weighted average cost and the minimum level below which a
purchase request is raised. Every change of stock is one immutable ``Movement`` (the ledger);
``Stock`` is the ledger's running total, changed only in ``services.movements`` under the row's lock
and a conditional update, and never below zero (a CHECK constraint says so too).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, SoftDeletable
from guanjia.core.scoping import ScopedQuerySet
from guanjia.stores.choices import (
    OPEN_PURCHASE,
    ItemKind,
    MovementKind,
    PurchaseSource,
    PurchaseStatus,
    PurchaseStep,
    StockTakeStatus,
)

ZERO = Decimal("0")


def _project_fk(**extra):
    # Null for the company's central store: then only HQ sees the row (visible_to's project filter).
    return models.ForeignKey(
        "estates.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("项目"),
        **extra,
    )


class StoresPolicy(CompanyOwned):
    """A company's purchasing rules: up to ``pm_limit`` the project manager approves alone; above
    it HQ approves after the project manager. ``approval_hours`` is each approver's deadline."""

    pm_limit = models.DecimalField(_("项目经理审批限额(元)"), max_digits=12, decimal_places=2, default=5000)
    approval_hours = models.PositiveSmallIntegerField(_("审批时限(小时)"), default=24)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("采购审批规则")
        verbose_name_plural = _("采购审批规则")
        constraints = [models.UniqueConstraint(fields=["company"], name="stores_policy_one_per_company")]


class StockItem(CompanyOwned, SoftDeletable):
    """An item of the company's catalogue (物料): a spare part, a consumable or a tool, in a unit."""

    code = models.CharField(_("物料编码"), max_length=30)
    name = models.CharField(_("物料名称"), max_length=80)
    kind = models.CharField(_("类别"), max_length=12, choices=ItemKind.choices, default=ItemKind.SPARE_PART)
    unit = models.CharField(_("单位"), max_length=10)
    spec = models.CharField(_("规格型号"), max_length=80, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("物料")
        verbose_name_plural = _("物料")
        ordering = ["company_id", "code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                condition=Q(deleted_at__isnull=True),
                name="stores_item_code_unique",
                violation_error_message=_("已有相同编码的物料"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Store(CompanyOwned, SoftDeletable):
    """A store room (仓库): a project's, or the company's central store when ``project`` is empty."""

    project = _project_fk()
    name = models.CharField(_("仓库名称"), max_length=60)
    keeper = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("保管员"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("仓库")
        verbose_name_plural = _("仓库")
        ordering = ["company_id", "project_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                condition=Q(deleted_at__isnull=True),
                name="stores_store_name_unique",
                violation_error_message=_("已有同名仓库"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_central(self) -> bool:
        return self.project_id is None


class Stock(CompanyOwned):
    """What one store holds of one item: on hand, weighted average cost, minimum level."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="stock", verbose_name=_("仓库"))
    item = models.ForeignKey(
        StockItem, on_delete=models.PROTECT, related_name="stock", verbose_name=_("物料")
    )
    project = _project_fk()  # the store's, kept here so scoping is one equality on the row
    on_hand = models.DecimalField(
        _("库存数量"), max_digits=12, decimal_places=2, default=ZERO, editable=False
    )
    avg_cost = models.DecimalField(
        _("加权平均单价"), max_digits=12, decimal_places=4, default=ZERO, editable=False
    )
    min_level = models.DecimalField(_("最低库存"), max_digits=12, decimal_places=2, default=ZERO)
    reorder_quantity = models.DecimalField(
        _("请购数量"), max_digits=12, decimal_places=2, default=ZERO, help_text=_("0：补到最低库存的两倍")
    )

    objects = ScopedQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        ordering = ["store_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "item"], name="stores_stock_once_per_store"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0),
                name="stores_stock_never_negative",
                violation_error_message=_("库存不能为负"),
            ),
            models.CheckConstraint(
                condition=Q(min_level__gte=0) & Q(reorder_quantity__gte=0) & Q(avg_cost__gte=0),
                name="stores_stock_levels_positive",
            ),
        ]
        indexes = [models.Index(fields=["company", "project"], name="stores_stock_scope_idx")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.item_id}: {self.on_hand}"

    @property
    def value(self) -> Decimal:
        return (self.on_hand * self.avg_cost).quantize(Decimal("0.01"))

    @property
    def below_min(self) -> bool:
        return self.min_level > 0 and self.on_hand < self.min_level


class MovementQuerySet(ScopedQuerySet):
    def update(self, **kwargs):  # the ledger is written once
        raise TypeError("stock movements are immutable")


class Movement(CompanyOwned):
    """One line of the stock ledger, never changed after it is written. ``quantity`` is signed (in
    is positive), ``unit_cost`` is what one unit was worth (the receipt's price, or the store's
    average cost when it left), ``value`` = quantity × unit cost, signed like the quantity."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="movements", verbose_name=_("仓库")
    )
    item = models.ForeignKey(
        StockItem, on_delete=models.PROTECT, related_name="movements", verbose_name=_("物料")
    )
    project = _project_fk()
    kind = models.CharField(_("类型"), max_length=14, choices=MovementKind.choices)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(_("单价"), max_digits=12, decimal_places=4)
    value = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    on_hand_after = models.DecimalField(_("结存"), max_digits=12, decimal_places=2)
    moved_at = models.DateTimeField(_("时间"))
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("维修单"),
    )
    ticket_material = models.ForeignKey(
        "tickets.TicketMaterial", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        "facilities.MaintenanceTask",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("维保任务"),
    )
    # A return names the issue it gives back; a transfer's two lines name each other's store.
    issue = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
        verbose_name=_("原领用"),
    )
    other_store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("对方仓库")
    )
    purchase = models.ForeignKey(
        "stores.PurchaseRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    stocktake = models.ForeignKey(
        "stores.StockTake", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = MovementQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        ordering = ["-moved_at", "-id"]
        indexes = [
            models.Index(fields=["company", "project", "moved_at"], name="stores_movement_when_idx"),
            models.Index(fields=["store", "item", "moved_at"], name="stores_movement_stock_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stores_movement_not_zero"),
            models.CheckConstraint(condition=Q(on_hand_after__gte=0), name="stores_movement_after_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} {self.quantity}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("stock movements are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("stock movements are immutable")


class StockTake(CompanyOwned):
    """A count of one store (盘点): the counter enters what is there and explains each difference;
    a second person (not the counter) approves, and only then the adjustments post."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="stocktakes", verbose_name=_("仓库")
    )
    project = _project_fk()
    status = models.CharField(
        _("状态"), max_length=10, choices=StockTakeStatus.choices, default=StockTakeStatus.COUNTING
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("盘点人"),
    )
    started_at = models.DateTimeField(_("开始时间"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("盘点")
        verbose_name_plural = _("盘点")
        ordering = ["-started_at", "-id"]
        constraints = [
            # One count at a time per store: two open counts would post the same difference twice.
            models.UniqueConstraint(
                fields=["store"],
                condition=Q(status__in=[StockTakeStatus.COUNTING, StockTakeStatus.SUBMITTED]),
                name="stores_one_open_stocktake",
                violation_error_message=_("该仓库已有进行中的盘点"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.started_at:%Y-%m-%d}"


class StockTakeLine(CompanyOwned):
    """One item of a count: the book quantity when counted, the counted quantity, and why they differ."""

    stocktake = models.ForeignKey(StockTake, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("物料"))
    project = _project_fk()
    book = models.DecimalField(_("账面数量"), max_digits=12, decimal_places=2)
    counted = models.DecimalField(_("实盘数量"), max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("差异原因"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("盘点明细")
        verbose_name_plural = _("盘点明细")
        ordering = ["stocktake_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "item"], name="stores_stocktake_line_once"),
            models.CheckConstraint(
                condition=Q(counted__gte=0) | Q(counted__isnull=True), name="stores_counted_positive"
            ),
        ]

    @property
    def difference(self):
        return None if self.counted is None else self.counted - self.book


class PurchaseRequest(CompanyOwned):
    """A request to buy one item for one store (请购), approved by amount (the project manager; above
    the company's limit then HQ), ordered from a supplier and received into the store, in parts."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("仓库")
    )
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("物料"))
    project = _project_fk()
    source = models.CharField(_("来源"), max_length=10, choices=PurchaseSource.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("维修单"),
    )
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("预估单价"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("预估金额"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("请购事由"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=PurchaseStatus.choices, default=PurchaseStatus.PENDING_PM
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申请人"),
    )
    raised_at = models.DateTimeField(_("申请时间"))
    due_at = models.DateTimeField(_("审批期限"), null=True, blank=True)
    escalation_step = models.PositiveSmallIntegerField(default=0, editable=False)
    pm_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("项目经理审批"),
    )
    pm_approved_at = models.DateTimeField(null=True, blank=True)
    hq_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("总部审批"),
    )
    hq_approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    supplier = models.ForeignKey(
        "contractors.Contractor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("供应商"),
    )
    order_price = models.DecimalField(_("订货单价"), max_digits=12, decimal_places=2, null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ordered_at = models.DateTimeField(_("下单时间"), null=True, blank=True)
    received_quantity = models.DecimalField(_("已到货数量"), max_digits=12, decimal_places=2, default=ZERO)

    objects = ScopedQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("采购申请")
        verbose_name_plural = _("采购申请")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["company", "status", "due_at"], name="stores_purchase_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "item"],
                condition=Q(status__in=OPEN_PURCHASE),
                name="stores_one_open_purchase",
                violation_error_message=_("该仓库此物料已有未完成的采购申请"),
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stores_purchase_quantity"),
            models.CheckConstraint(
                condition=Q(received_quantity__gte=0) & Q(received_quantity__lte=F("quantity")),
                name="stores_purchase_received",
            ),
        ]

    def __str__(self) -> str:
        return f"PR{self.pk}"

    @property
    def outstanding(self) -> Decimal:
        return self.quantity - self.received_quantity


class PurchaseEscalation(CompanyOwned):
    """One step taken on a purchase request waiting for approval past its deadline; unique per request,
    stage and step, so a job run twice or late tells nobody twice."""

    purchase = models.ForeignKey(PurchaseRequest, on_delete=models.CASCADE, related_name="escalations")
    project = _project_fk()
    stage = models.CharField(max_length=12, choices=PurchaseStatus.choices)
    step = models.PositiveSmallIntegerField(_("步骤"), choices=PurchaseStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("采购审批超期升级")
        verbose_name_plural = _("采购审批超期升级")
        ordering = ["purchase_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "stage", "step"], name="stores_purchase_step_once")
        ]
