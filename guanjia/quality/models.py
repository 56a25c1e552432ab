"""The records of quality: checklists, audits and their results, non-conformances and the
corrective actions that close them (品质核查, 不合格项, 纠正预防)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, Photo, ProjectOwned
from guanjia.core.roles import Perm
from guanjia.core.scoping import ScopedQuerySet, scope_for
from guanjia.quality.choices import (
    AuditKind,
    AuditStatus,
    CaStatus,
    EscalationStep,
    Frequency,
    NcStatus,
    Outcome,
)


class QualitySettings(CompanyOwned):
    """A company's quality rules that are data, not code."""

    recurrence_days = models.PositiveSmallIntegerField(
        _("重复发生判定窗口(天)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )

    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = False

    class Meta:
        verbose_name = _("品质设置")
        verbose_name_plural = _("品质设置")
        constraints = [models.UniqueConstraint(fields=["company"], name="quality_settings_one_per_company")]


class ChecklistTemplate(CompanyOwned):
    """A checklist (核查表): sections of items to check. Versioned: once an audit used a version,
    that version is frozen and changes go into a new version with the same ``code``."""

    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("核查表")
        verbose_name_plural = _("核查表")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code", "version"], name="quality_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ChecklistSection(CompanyOwned):
    """A section of a checklist (主动帮助, 便民物品配备 …)."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("检查项目"), max_length=60)

    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("核查表分类")
        verbose_name_plural = _("核查表分类")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="quality_section_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class ChecklistItem(CompanyOwned):
    """One row of a checklist: the standard, how and how often it is checked, on what sample,
    the check itself, when it fails, and its weight in the score.

    ``key`` ("3.2") identifies the item across versions, so recurrence is found across versions."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(ChecklistSection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    key = models.CharField(_("编号"), max_length=12)
    standard = models.TextField(_("检查内容"))
    methods = models.JSONField(_("检查方式"), default=list)
    frequency = models.CharField(_("检查频率"), max_length=10, choices=Frequency.choices)
    sample = models.CharField(_("检查比例"), max_length=40)
    check_method = models.TextField(_("检查方法"))
    criterion = models.TextField(_("评价标准"))
    weight = models.DecimalField(
        _("权重"), max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    physical = models.BooleanField(_("设施类（可转报事）"), default=False)

    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("核查条目")
        verbose_name_plural = _("核查条目")
        ordering = ["template", "section__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="quality_item_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.standard[:30]}"


def sees_mystery_audits(user) -> bool:
    """Mystery-shopper audits (暗访) are HQ's and the auditors' business; the estate's staff see
    neither the plans (who audits in disguise, how often) nor an audit before it is submitted."""
    scope = scope_for(user)
    return scope.is_hq or Perm.AUDIT in scope.permissions


class AuditPlanQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        qs = super().visible_to(user)
        return qs if sees_mystery_audits(user) else qs.exclude(kind=AuditKind.MYSTERY)


class AuditPlan(ProjectOwned):
    """Which checklist a project is audited against, how (明访/暗访) and by whom. The periodic
    planner makes one audit per plan, frequency and period from it."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="plans", verbose_name=_("核查表")
    )
    kind = models.CharField(_("方式"), max_length=10, choices=AuditKind.choices, default=AuditKind.OPEN)
    auditor = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("核查员")
    )
    frequencies = models.JSONField(
        _("检查频率"), default=list, blank=True, help_text=_("生成哪些频率的核查；空 = 核查表的全部频率")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = AuditPlanQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("核查计划")
        verbose_name_plural = _("核查计划")
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.template}"


class AuditQuerySet(ScopedQuerySet):
    """Mystery-shopper audits (暗访) stay hidden from the estate's staff until submitted; HQ and
    auditors see them."""

    mystery_path = ""

    def visible_to(self, user):
        qs = super().visible_to(user)
        if sees_mystery_audits(user):
            return qs
        prefix = self.mystery_path
        hidden = Q(**{f"{prefix}kind": AuditKind.MYSTERY}) & ~Q(**{f"{prefix}status": AuditStatus.SUBMITTED})
        return qs.exclude(hidden)


class ResultQuerySet(AuditQuerySet):
    mystery_path = "audit__"


class Audit(ProjectOwned):
    """One audit of one project against one version of a checklist, for one period (or ad hoc).
    Results are saved item by item as the auditor goes; submitting locks them and stores the score."""

    number = models.CharField(_("编号"), max_length=30)
    plan = models.ForeignKey(
        AuditPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="audits"
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="audits", verbose_name=_("核查表")
    )
    kind = models.CharField(_("方式"), max_length=10, choices=AuditKind.choices, default=AuditKind.OPEN)
    frequency = models.CharField(_("频率"), max_length=10, choices=Frequency.choices, blank=True)
    period_start = models.DateField(_("周期开始"), null=True, blank=True)
    due_date = models.DateField(_("应完成日期"), null=True, blank=True)
    auditor = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("核查员")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    summary = models.TextField(_("总结"), blank=True)

    objects = AuditQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("品质核查")
        verbose_name_plural = _("品质核查")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="quality_audit_number_unique"),
            # The planner's exactly-once: one audit per plan, frequency and period.
            models.UniqueConstraint(
                fields=["plan", "frequency", "period_start"],
                condition=Q(plan__isnull=False),
                name="quality_audit_once_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "project", "-created_at"], name="quality_audit_project_idx"),
            models.Index(fields=["company", "status"], name="quality_audit_status_idx"),
            models.Index(fields=["auditor", "status"], name="quality_audit_auditor_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_locked(self) -> bool:
        return self.status == AuditStatus.SUBMITTED


class AuditResult(ProjectOwned):
    """The result of one checklist item in one audit: pass / fail / not applicable, the sample
    actually taken (who was asked, which places looked at), a note and photos."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="results")
    outcome = models.CharField(_("结果"), max_length=4, choices=Outcome.choices, blank=True)
    sample_taken = models.CharField(_("实际抽查"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True, max_length=2000)
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    objects = ResultQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("核查结果")
        verbose_name_plural = _("核查结果")
        ordering = ["audit", "item__section__position", "item__position"]
        constraints = [models.UniqueConstraint(fields=["audit", "item"], name="quality_result_once")]
        indexes = [models.Index(fields=["company", "outcome"], name="quality_result_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.audit_id}/{self.item_id} {self.outcome}"


class NonConformance(ProjectOwned):
    """A failed item (不合格项) of a submitted audit, with its evidence, until a verified fix closes it.
    ``recurring``: the same item failed at the same project within the company's window; such a
    non-conformance needs a root cause and a preventive action (预防措施)."""

    number = models.CharField(_("编号"), max_length=34)
    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="nonconformances")
    result = models.OneToOneField(AuditResult, on_delete=models.PROTECT, related_name="nonconformance")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    item_key = models.CharField(_("条目编号"), max_length=12)
    template_code = models.SlugField(_("核查表编码"), max_length=40)
    evidence = models.TextField(_("不合格事实"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=NcStatus.choices, default=NcStatus.OPEN)
    raised_at = models.DateTimeField(_("发现时间"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    recurring = models.BooleanField(_("重复发生"), default=False)
    recurrence_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("前次")
    )
    root_cause = models.TextField(_("根本原因"), blank=True)
    preventive_action = models.TextField(_("预防措施"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_nonconformances",
        verbose_name=_("报事工单"),
    )

    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("不合格项")
        verbose_name_plural = _("不合格项")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "-raised_at"], name="quality_nc_status_idx"),
            models.Index(
                fields=["project", "template_code", "item_key", "-raised_at"],
                name="quality_nc_recurrence_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def needs_prevention(self) -> bool:
        return self.recurring and not (self.root_cause and self.preventive_action)


class CorrectiveAction(ProjectOwned):
    """The corrective action (整改) of a non-conformance: an owner, a deadline, what was done, and
    the auditor's verification. Rejected work goes back to the owner with the reason."""

    nonconformance = models.OneToOneField(
        NonConformance, on_delete=models.PROTECT, related_name="action", verbose_name=_("不合格项")
    )
    owner = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任人")
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("指派人")
    )
    instruction = models.TextField(_("整改要求"), blank=True)
    deadline = models.DateTimeField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=CaStatus.choices, default=CaStatus.ASSIGNED)
    round = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    done_note = models.TextField(_("整改情况"), blank=True)
    done_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reject_reason = models.TextField(_("退回原因"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("验证人"),
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    escalation_step = models.PositiveSmallIntegerField(_("已升级到"), default=0)

    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["company", "status", "deadline"], name="quality_ca_status_idx"),
            models.Index(fields=["owner", "status"], name="quality_ca_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.nonconformance_id} {self.get_status_display()}"

    @property
    def on_time(self) -> bool | None:
        if self.closed_at is None:
            return None
        return self.done_at is not None and self.done_at <= self.deadline


class QualityPhoto(Photo):
    """A photo: evidence of a result (as found) or of a corrective action (as fixed). EXIF stripped."""

    result = models.ForeignKey(
        AuditResult, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    action = models.ForeignKey(
        CorrectiveAction, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )

    # Always fetched through a result or action the user may see.
    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = True

    class Meta:
        verbose_name = _("核查照片")
        verbose_name_plural = _("核查照片")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__isnull=False) | Q(action__isnull=False), name="quality_photo_has_owner"
            )
        ]

    def __str__(self) -> str:
        return self.image


class CorrectiveEscalation(ProjectOwned):
    """One step taken for an overdue corrective action (owner → project manager → HQ quality).
    The unique constraint makes each step happen once, however many job runs race for it."""

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("级别"), choices=EscalationStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()
    external_auditor_visible = False

    class Meta:
        verbose_name = _("整改超期升级")
        verbose_name_plural = _("整改超期升级")
        ordering = ["happened_at"]
        constraints = [models.UniqueConstraint(fields=["action", "step"], name="quality_escalation_once")]

    def __str__(self) -> str:
        return f"{self.action_id} {self.get_step_display()}"
