"""Preventive maintenance (维保): plans, the tasks generated from them once per period, the result
of each checklist line, photos, and the repair requests failed lines raise with their rectification
deadline (限期整改) — with the escalation steps of overdue tasks and overdue rectifications."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import Photo, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.facilities.choices import (
    AreaKind,
    CheckResult,
    Discipline,
    Frequency,
    LineResult,
    RepairEscalationStep,
    TaskEscalationStep,
    TaskStatus,
)
from guanjia.facilities.models.areas import Area
from guanjia.facilities.models.ledger import Equipment, EquipmentType
from guanjia.staff.choices import Department


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


class MaintenancePlan(ProjectOwned):
    """A plan of recurring work: which equipment or area, what to check, how often, in what window,
    by whom, checked by whom. ``discipline`` says what work it is: preventive maintenance (维保) of
    ledger items, or environmental work — cleaning (保洁), pest control (消杀), greening (绿化) —
    over areas. The doer may be an outsourced team (``contractor``); the checker is a company
    supervisor, never the doer.

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
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    area_kind = models.CharField(
        _("区域类型"), max_length=12, choices=AreaKind.choices, blank=True, help_text=_("该类型的全部区域")
    )
    discipline = models.CharField(
        _("工作类别"), max_length=14, choices=Discipline.choices, default=Discipline.MAINTENANCE
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
    # An outsourced team (a cleaning contractor) doing the work; the assignee is then its person.
    contractor = models.CharField(_("外包单位"), max_length=100, blank=True)
    checker = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("验收人"),
        help_text=_("公司主管，不能是执行人"),
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
                condition=Q(
                    equipment__isnull=False, equipment_type__isnull=True, area__isnull=True, area_kind=""
                )
                | Q(equipment__isnull=True, equipment_type__isnull=False, area__isnull=True, area_kind="")
                | Q(equipment__isnull=True, equipment_type__isnull=True, area__isnull=False, area_kind="")
                | (
                    Q(equipment__isnull=True, equipment_type__isnull=True, area__isnull=True)
                    & ~Q(area_kind="")
                ),
                name="facilities_plan_target",
                violation_error_message=_("请选择一台设备、一个设备类型、一个区域或一种区域类型（四选一）"),
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
    """The work of one plan on one item or one area for one period. The unique constraints make it
    exist once, however often or late the generating job runs."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.PROTECT, related_name="tasks")
    equipment = models.ForeignKey(
        Equipment, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    discipline = models.CharField(
        _("工作类别"), max_length=14, choices=Discipline.choices, default=Discipline.MAINTENANCE
    )
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
    # The supervisor's check (验收) of the done work; a rejected task goes back to its doer.
    checker = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("验收人"),
    )
    check_result = models.CharField(_("验收结果"), max_length=10, choices=CheckResult.choices, blank=True)
    checked_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    check_note = models.CharField(_("验收意见"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("维保任务")
        verbose_name_plural = _("维保任务")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "equipment", "period_start"], name="facilities_task_once_per_period"
            ),
            models.UniqueConstraint(
                fields=["plan", "area", "period_start"],
                condition=Q(area__isnull=False),
                name="facilities_area_task_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(equipment__isnull=False, area__isnull=True)
                | Q(equipment__isnull=True, area__isnull=False),
                name="facilities_task_target",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "project", "status", "due_at"], name="facilities_task_due_idx"),
            models.Index(fields=["equipment", "status"], name="facilities_task_item_idx"),
            models.Index(fields=["status", "due_at"], name="facilities_task_overdue_idx"),
            models.Index(fields=["area", "status"], name="facilities_task_area_idx"),
            models.Index(
                fields=["company", "project", "discipline", "due_at"], name="facilities_task_disc_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.equipment_id or self.area_id}/{self.period_start}"

    @property
    def target(self) -> Equipment | Area:
        """What the work is done on: the ledger item or the area."""
        return self.equipment if self.equipment_id else self.area


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


class TaskPhoto(Photo):
    """A photo taken while doing a task (stored cleaned, through ``core.images``)."""

    task = models.ForeignKey(MaintenanceTask, on_delete=models.CASCADE, related_name="photos")

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
