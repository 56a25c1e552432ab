"""Renovation (装修) of a unit: the owner's application, its approvals, the permit and the workers'
passes, the fees as bills in the fee ledger, the daily patrol of renovating units with violations
and their rectification, the completion inspection and the deposit's refund.

A ``Renovation`` is one application from submission to the deposit's refund; its ``status`` moves
only through ``services``. What happened is told by ``RenovationEvent`` rows (the timeline); every
row is journaled like every domain record.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import Photo, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy
from guanjia.renovation.choices import (
    RenovationChannel,
    RenovationStatus,
    RenovationViolationKind,
    RenovationViolationStatus,
)

ZERO = Decimal("0")


def _resident_units(scope):
    return Occupancy.objects.current().filter(resident_id=scope.resident_id).values("unit_id")


class UnitRenovationQuerySet(ScopedQuerySet):
    """Residents see the renovations of the units they currently live in or own."""

    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))


class ThroughRenovationQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(renovation__unit_id__in=_resident_units(scope))


class Renovation(ProjectOwned):
    """One renovation of a unit (装修申请 → 施工许可证 → 竣工验收 → 押金退还)."""

    number = models.CharField(_("编号"), max_length=30)
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    channel = models.CharField(_("申请途径"), max_length=10, choices=RenovationChannel.choices)
    applicant = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请业主"),
    )
    applicant_name = models.CharField(_("申请人"), max_length=60)
    applicant_phone = models.CharField(_("申请人电话"), max_length=20)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    submitted_at = models.DateTimeField(_("申请时间"))
    contractor = models.CharField(_("施工单位"), max_length=100)
    contractor_contact = models.CharField(_("施工负责人"), max_length=60)
    contractor_phone = models.CharField(_("施工负责人电话"), max_length=20)
    scope = models.TextField(_("装修内容"), max_length=1000)
    structural = models.BooleanField(_("涉及结构改动"), default=False)
    facade = models.BooleanField(_("涉及外立面"), default=False)
    starts_on = models.DateField(_("计划开工日期"))
    ends_on = models.DateField(_("计划完工日期"))
    rules_acknowledged_at = models.DateTimeField(_("确认装修管理规定时间"))

    status = models.CharField(
        _("状态"), max_length=12, choices=RenovationStatus.choices, default=RenovationStatus.ENGINEERING
    )
    # The deadline of the decision now awaited (engineering or the PM) and how far it has climbed.
    step_due_at = models.DateTimeField(_("本步审批期限"), null=True, blank=True)
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)
    engineering_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    engineering_at = models.DateTimeField(_("工程审核时间"), null=True, blank=True)
    manager_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_at = models.DateTimeField(_("项目经理审批时间"), null=True, blank=True)
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)

    # Fees: bills in the fee ledger (billing), never amounts kept here.
    fee_bill = models.ForeignKey(
        "billing.Bill",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("管理费账单"),
    )
    deposit_bill = models.ForeignKey(
        "billing.Bill",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("押金账单"),
    )
    deposit = models.DecimalField(_("押金"), max_digits=12, decimal_places=2, default=ZERO)

    # The permit (施工许可证) and its validity.
    permit_no = models.CharField(_("许可证号"), max_length=30, blank=True)
    permit_from = models.DateField(_("许可证生效日"), null=True, blank=True)
    permit_until = models.DateField(_("许可证有效期至"), null=True, blank=True)
    # The unit's status before the works, given back at completion.
    unit_status_before = models.CharField(_("装修前房屋状态"), max_length=12, blank=True)
    stopped_reason = models.CharField(_("停工原因"), max_length=200, blank=True)

    completed_at = models.DateTimeField(_("竣工验收时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completion_note = models.CharField(_("验收意见"), max_length=300, blank=True)
    refund = models.ForeignKey(
        "billing.Correction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("押金退款申请"),
    )

    objects = UnitRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("装修申请")
        verbose_name_plural = _("装修申请")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="renovation_number_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="renovation_dates_order"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="renovation_status_idx"),
            models.Index(fields=["unit", "status"], name="renovation_unit_idx"),
            models.Index(fields=["status", "step_due_at"], name="renovation_due_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def needs_manager(self) -> bool:
        return self.structural or self.facade


class RenovationPlan(ProjectOwned):
    """A drawing or document of the works (装修图纸), a private file in the storage."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(_("文件名"), max_length=120)
    file = models.CharField(_("文件"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ThroughRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("装修图纸")
        verbose_name_plural = _("装修图纸")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class WorkerPass(ProjectOwned):
    """A worker of the contractor and the pass (出入证) that lets them in while the permit holds."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="workers")
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    trade = models.CharField(_("工种"), max_length=30, blank=True)
    pass_no = models.CharField(_("出入证号"), max_length=30, blank=True)
    valid_until = models.DateField(_("出入证有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    objects = ThroughRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("施工人员出入证")
        verbose_name_plural = _("施工人员出入证")
        ordering = ["renovation_id", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.pass_no}"


class RenovationEvent(ProjectOwned):
    """One line of a renovation's timeline: who did what, when, with what note."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=30)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = ThroughRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("装修记录")
        verbose_name_plural = _("装修记录")
        ordering = ["time", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.time:%Y-%m-%d %H:%M}"


class Patrol(ProjectOwned):
    """The day's patrol list of a project's renovating units (装修巡查), made once per Shanghai day."""

    day = models.DateField(_("日期"))
    made_at = models.DateTimeField(_("生成时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("装修巡查")
        verbose_name_plural = _("装修巡查")
        ordering = ["-day", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "day"], name="renovation_patrol_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.day}"


class PatrolStop(ProjectOwned):
    """One renovating unit on a day's patrol, and what the patroller found there."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="stops")
    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="stops")
    checked_at = models.DateTimeField(_("巡查时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ok = models.BooleanField(_("无违规"), null=True)
    note = models.CharField(_("巡查记录"), max_length=300, blank=True)

    objects = ThroughRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查点")
        verbose_name_plural = _("巡查点")
        ordering = ["patrol_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "renovation"], name="renovation_stop_once_per_patrol")
        ]

    def __str__(self) -> str:
        return f"{self.patrol_id}/{self.renovation_id}"


class Violation(ProjectOwned):
    """A breach of the renovation rules found on a patrol (违规), to be rectified by a deadline."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="violations")
    stop = models.ForeignKey(PatrolStop, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("违规类型"), max_length=12, choices=RenovationViolationKind.choices)
    note = models.CharField(_("情况说明"), max_length=300)
    found_at = models.DateTimeField(_("发现时间"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发现人"),
    )
    rectify_by = models.DateTimeField(_("整改期限"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RenovationViolationStatus.choices,
        default=RenovationViolationStatus.OPEN,
    )
    rectified_at = models.DateTimeField(_("整改确认时间"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)

    objects = ThroughRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("装修违规")
        verbose_name_plural = _("装修违规")
        ordering = ["-found_at", "-id"]
        indexes = [models.Index(fields=["status", "rectify_by"], name="renovation_violation_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.found_at:%Y-%m-%d}"


class ViolationPhoto(Photo):
    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="photos")

    class PhotoQuerySet(ScopedQuerySet):
        def for_resident(self, scope):
            return self.filter(violation__renovation__unit_id__in=_resident_units(scope))

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("违规照片")
        verbose_name_plural = _("违规照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image


class Deduction(ProjectOwned):
    """An amount kept from the deposit (押金扣除), with its reason (a violation, damage …)."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="deductions")
    violation = models.ForeignKey(
        Violation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(_("扣除金额"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("扣除原因"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    objects = ThroughRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("押金扣除")
        verbose_name_plural = _("押金扣除")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="renovation_deduction_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.reason}"


class RenovationEscalation(ProjectOwned):
    """One step taken on a missed deadline (an approval or a rectification); unique per deadline and
    step, so a job run twice or on two workers takes each step once."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="escalations")
    violation = models.ForeignKey(
        Violation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What was late: "engineering" / "manager" (approval steps) or "violation-<id>".
    stage = models.CharField(_("环节"), max_length=30)
    step = models.PositiveSmallIntegerField(_("升级级别"))
    happened_at = models.DateTimeField(_("升级时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ThroughRenovationQuerySet.as_manager()

    class Meta:
        verbose_name = _("装修超期升级")
        verbose_name_plural = _("装修超期升级")
        ordering = ["happened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["renovation", "stage", "step"], name="renovation_escalation_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.renovation_id} {self.stage} {self.step}"
