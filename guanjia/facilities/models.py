"""The records of facilities: the equipment ledger (设备台账), preventive maintenance (维保计划 and its
tasks), the costs of each item, and patrols (巡查/巡更) with their checkpoints, rounds and scans."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, ProjectOwned, SoftDeletable
from guanjia.core.scoping import ScopedQuerySet
from guanjia.facilities.choices import (
    CostKind,
    EquipmentStatus,
    FileKind,
    Frequency,
    LineResult,
    RepairEscalationStep,
    RoundStatus,
    RouteKind,
    TaskEscalationStep,
    TaskStatus,
)
from guanjia.staff.choices import Department

# Equipment ----------------------------------------------------------------------------------------


class EquipmentType(CompanyOwned):
    """A kind of system or equipment (消防 → 灭火器 …): a per-company tree that plans and figures group by."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    name = models.CharField(_("类型"), max_length=30)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备类型")
        verbose_name_plural = _("设备类型")
        ordering = ["parent_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "parent", "name"], name="facilities_type_unique"),
            models.UniqueConstraint(
                fields=["company", "name"],
                condition=Q(parent__isnull=True),
                name="facilities_root_type_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Equipment(ProjectOwned, SoftDeletable):
    """One system or piece of equipment of an estate, as the ledger (设备台账) records it."""

    type = models.ForeignKey(
        EquipmentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("类型")
    )
    code = models.CharField(_("设备编号"), max_length=30)
    name = models.CharField(_("名称"), max_length=100)
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    floor = models.CharField(_("楼层"), max_length=10, blank=True)
    room = models.CharField(_("位置/房间"), max_length=60, blank=True)
    serial_no = models.CharField(_("出厂编号"), max_length=60, blank=True)
    model_no = models.CharField(_("型号"), max_length=60, blank=True)
    vendor = models.CharField(_("生产厂家"), max_length=100, blank=True)
    contractor = models.CharField(_("维保单位"), max_length=100, blank=True)
    contract_starts = models.DateField(_("维保合同开始"), null=True, blank=True)
    contract_ends = models.DateField(_("维保合同结束"), null=True, blank=True)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    warranty_until = models.DateField(_("保修截止"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=EquipmentStatus.choices, default=EquipmentStatus.IN_SERVICE
    )
    # Set when open repair work made the item faulty, so closing that work puts it back in service
    # (a status someone set by hand is left alone).
    faulty_from_repairs = models.BooleanField(default=False, editable=False)
    notes = models.TextField(_("备注"), blank=True, max_length=1000)
    # The secret in the QR label: opening /facilities/q/<qr_token>/ proves being at the item.
    qr_token = models.CharField(max_length=24, unique=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备")
        verbose_name_plural = _("设备")
        ordering = ["project_id", "code"]
        indexes = [
            models.Index(fields=["company", "project", "type"], name="facilities_equipment_type_idx"),
            models.Index(fields=["company", "project", "status"], name="facilities_equipment_st_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"],
                condition=Q(deleted_at__isnull=True),
                name="facilities_equipment_code",
            ),
            models.CheckConstraint(
                condition=Q(contract_ends__isnull=True)
                | Q(contract_starts__isnull=True)
                | Q(contract_ends__gte=models.F("contract_starts")),
                name="facilities_contract_dates",
                violation_error_message=_("维保合同结束日期不能早于开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def place(self) -> str:
        parts = [
            self.building.name if self.building_id else "",
            f"{self.floor}层" if self.floor else "",
            self.room,
        ]
        return " ".join(p for p in parts if p)


class EquipmentFile(ProjectOwned):
    """A photo or document (manual, certificate, test report) of an item."""

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类别"), max_length=12, choices=FileKind.choices)
    title = models.CharField(_("标题"), max_length=100, blank=True)
    file = models.CharField(_("文件"), max_length=200)
    thumbnail = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备资料")
        verbose_name_plural = _("设备资料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class EquipmentRepair(ProjectOwned):
    """A repair request (service request) raised for an item, with its rectification deadline (限期整改).

    The link lives here, on the facilities side: failed checklist lines point at it, and the
    item's status follows whether any of its repairs is still open.
    """

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="repairs")
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="facility_repair")
    rectify_by = models.DateTimeField(_("整改期限"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The last rectification-overdue step taken (0 = none); the steps themselves are RepairEscalation rows.
    escalation_step = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备维修单")
        verbose_name_plural = _("设备维修单")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["equipment", "closed_at"], name="facilities_repair_open_idx"),
            models.Index(fields=["closed_at", "rectify_by"], name="facilities_repair_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.equipment_id} → {self.ticket_id}"


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


# Preventive maintenance ---------------------------------------------------------------------------


class MaintenancePlan(ProjectOwned):
    """A preventive-maintenance plan: which equipment, what to check, how often, in what window, by whom.

    ``checklist`` is a list of lines ``{"text", "expected", "kind": "check"|"reading", "unit", "min",
    "max"}``. Tasks copy it when they are generated, so editing a plan changes future tasks only.
    """

    name = models.CharField(_("计划名称"), max_length=100)
    equipment = models.ForeignKey(
        Equipment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("设备")
    )
    equipment_type = models.ForeignKey(
        EquipmentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设备类型"),
    )
    checklist = models.JSONField(_("检查项"), default=list)
    frequency = models.CharField(_("频次"), max_length=14, choices=Frequency.choices)
    interval_days = models.PositiveSmallIntegerField(
        _("间隔天数"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )
    window_days = models.PositiveSmallIntegerField(
        _("完成时限(天)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("从周期开始算起；不填则为整个周期"),
    )
    starts_on = models.DateField(_("开始日期"))
    # Periods starting before this day are never generated (moved forward when the plan is edited).
    generate_from = models.DateField(editable=False)
    # Every period starting before this day has been generated (for the items that existed then).
    generated_until = models.DateField(null=True, blank=True, editable=False)
    team = models.CharField(
        _("责任班组"), max_length=12, choices=Department.choices, default=Department.ENGINEERING
    )
    assignee = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任人"),
    )
    rectify_days = models.PositiveSmallIntegerField(
        _("整改期限(天)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    # The default plan this was made from (fire_weekly …), so applying the defaults twice adds nothing.
    template = models.CharField(max_length=30, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("维保计划")
        verbose_name_plural = _("维保计划")
        ordering = ["project_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(equipment__isnull=True, equipment_type__isnull=False)
                | Q(equipment__isnull=False, equipment_type__isnull=True),
                name="facilities_plan_target",
                violation_error_message=_("请选择一台设备或一个设备类型（二选一）"),
            ),
            models.UniqueConstraint(
                fields=["project", "template"],
                condition=~Q(template=""),
                name="facilities_plan_template_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MaintenanceTask(ProjectOwned):
    """The work of one plan on one item for one period. The unique constraint makes it exist once,
    however often or late the generating job runs."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.PROTECT, related_name="tasks")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="tasks")
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))  # exclusive
    due_at = models.DateTimeField(_("完成期限"))
    checklist = models.JSONField(_("检查项"), default=list)
    team = models.CharField(_("责任班组"), max_length=12, choices=Department.choices)
    assignee = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("责任人"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    scanned_at = models.DateTimeField(_("扫码时间"), null=True, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failed_lines = models.PositiveSmallIntegerField(_("不合格项"), default=0)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    escalation_step = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("维保任务")
        verbose_name_plural = _("维保任务")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "equipment", "period_start"], name="facilities_task_once_per_period"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "project", "status", "due_at"], name="facilities_task_due_idx"),
            models.Index(fields=["equipment", "status"], name="facilities_task_item_idx"),
            models.Index(fields=["status", "due_at"], name="facilities_task_overdue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.equipment_id}/{self.period_start}"


class TaskLineResult(ProjectOwned):
    """The result of one checklist line of a done task: pass / fail, the reading, the repair it raised."""

    task = models.ForeignKey(MaintenanceTask, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("检查项"), max_length=200)
    result = models.CharField(_("结果"), max_length=4, choices=LineResult.choices)
    reading = models.DecimalField(_("读数"), max_digits=12, decimal_places=3, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    repair = models.ForeignKey(
        EquipmentRepair, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["task_id", "position"]
        constraints = [models.UniqueConstraint(fields=["task", "position"], name="facilities_result_once")]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.position} {self.result}"


class TaskPhoto(ProjectOwned):
    """A photo taken while doing a task (stored cleaned, through ``core.images``)."""

    task = models.ForeignKey(MaintenanceTask, on_delete=models.CASCADE, related_name="photos")
    image = models.CharField(max_length=200)
    thumbnail = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("维保照片")
        verbose_name_plural = _("维保照片")
        ordering = ["id"]


class TaskEscalation(ProjectOwned):
    """One escalation step taken for an overdue task; unique, so each step notifies exactly once."""

    task = models.ForeignKey(MaintenanceTask, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("级别"), choices=TaskEscalationStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("维保逾期升级")
        verbose_name_plural = _("维保逾期升级")
        ordering = ["happened_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "step"], name="facilities_task_escalation_once")
        ]


class RepairEscalation(ProjectOwned):
    """One step taken for a repair request still open after its rectification deadline (限期整改);
    unique, so each step notifies exactly once."""

    repair = models.ForeignKey(EquipmentRepair, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("级别"), choices=RepairEscalationStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改逾期升级")
        verbose_name_plural = _("整改逾期升级")
        ordering = ["happened_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["repair", "step"], name="facilities_repair_escalation_once")
        ]


# Patrols ------------------------------------------------------------------------------------------


class PatrolRoute(ProjectOwned):
    """A patrol route (巡查/巡更路线): ordered checkpoints walked in rounds at set times by a shift."""

    name = models.CharField(_("路线名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=16, choices=RouteKind.choices, default=RouteKind.OTHER)
    department = models.CharField(_("执行班组"), max_length=12, choices=Department.choices)
    # "22:00,01:00,04:00": one round starts at each of these local times on the listed weekdays.
    round_times = models.CharField(_("每轮开始时间"), max_length=100, help_text=_("如 22:00,01:00"))
    window_minutes = models.PositiveSmallIntegerField(
        _("每轮时限(分钟)"), default=60, validators=[MinValueValidator(5), MaxValueValidator(720)]
    )
    weekdays = models.CharField(_("星期"), max_length=7, default="0123456", help_text=_("0 为周一"))
    supervisor = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("主管"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    # Rounds ending before this moment are never generated (a new route does not start behind).
    rounds_from = models.DateTimeField(editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查路线")
        verbose_name_plural = _("巡查路线")
        ordering = ["project_id", "name"]

    def __str__(self) -> str:
        return self.name


class Checkpoint(ProjectOwned):
    """A point on a route, marked on site by a QR label that the patroller scans."""

    route = models.ForeignKey(PatrolRoute, on_delete=models.CASCADE, related_name="checkpoints")
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("巡查点"), max_length=60)
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    place = models.CharField(_("位置"), max_length=100, blank=True)
    # The expected time of this point within a round, in minutes after the round starts (both empty =
    # the round's whole window). A scan outside it is marked out of window.
    expected_from = models.PositiveSmallIntegerField(
        _("预计最早(分钟)"), null=True, blank=True, validators=[MaxValueValidator(720)]
    )
    expected_to = models.PositiveSmallIntegerField(
        _("预计最晚(分钟)"), null=True, blank=True, validators=[MaxValueValidator(720)]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    qr_token = models.CharField(max_length=24, unique=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查点")
        verbose_name_plural = _("巡查点")
        ordering = ["route_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "position"], name="facilities_checkpoint_order")
        ]

    def __str__(self) -> str:
        return self.name


class PatrolRound(ProjectOwned):
    """One round of a route at one time: the window it must be walked in and who walks it."""

    route = models.ForeignKey(PatrolRoute, on_delete=models.PROTECT, related_name="rounds")
    window_start = models.DateTimeField(_("开始时间"))
    window_end = models.DateTimeField(_("截止时间"))
    assignee = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("巡查人"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.PLANNED
    )
    checkpoint_count = models.PositiveSmallIntegerField(_("巡查点数"), default=0)
    scanned_count = models.PositiveSmallIntegerField(_("已扫点数"), default=0)
    missed_count = models.PositiveSmallIntegerField(_("漏检点数"), default=0)
    irregular_count = models.PositiveSmallIntegerField(_("异常扫码"), default=0)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The route's checkpoints when the round was generated: [{"id", "position", "name", "from", "to"}].
    # Later edits of the route (reorder, remove, new windows) do not change a generated round.
    checkpoint_plan = models.JSONField(default=list, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查轮次")
        verbose_name_plural = _("巡查轮次")
        ordering = ["-window_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["route", "window_start"], name="facilities_round_once"),
        ]
        indexes = [
            models.Index(fields=["company", "project", "window_start"], name="facilities_round_time_idx"),
            models.Index(fields=["closed_at", "window_end"], name="facilities_round_close_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id} {self.window_start:%Y-%m-%d %H:%M}"

    @property
    def on_time(self) -> bool:
        return self.status == RoundStatus.COMPLETED and self.irregular_count == 0


class CheckpointScan(ProjectOwned):
    """A checkpoint scanned in a round: when, by whom, and whether in the window and in order."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="scans")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    scanned_at = models.DateTimeField(_("扫码时间"))
    scanned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey("staff.StaffMember", null=True, on_delete=models.SET_NULL, related_name="+")
    in_window = models.BooleanField(_("在时段内"), default=True)
    in_order = models.BooleanField(_("按顺序"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查扫码")
        verbose_name_plural = _("巡查扫码")
        ordering = ["scanned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "checkpoint"], name="facilities_scan_once")]


class MissedCheckpoint(ProjectOwned):
    """A checkpoint not scanned when its round's window closed; flagged exactly once."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="missed")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey("staff.StaffMember", null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("漏检记录")
        verbose_name_plural = _("漏检记录")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "checkpoint"], name="facilities_missed_once")]


class PatrolFinding(ProjectOwned):
    """Something wrong found at a checkpoint; it became a service request (kind patrol)."""

    round = models.ForeignKey(PatrolRound, on_delete=models.PROTECT, related_name="findings")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="+")
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["-id"]
