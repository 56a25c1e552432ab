"""Staff evaluation (SPEC §5): quarterly ranking sheets, service-star awards, training records.

The tables were created by the ``staff`` app and keep its names (``Meta.db_table``): the models
moved here without a database change (migrations ``staff.0004`` / ``evaluation.0001``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Project
from guanjia.evaluation.choices import (
    AwardKind,
    EvidenceKind,
    RewardKind,
    RewardStatus,
    RewardStep,
    SheetStatus,
    TrainingResult,
)
from guanjia.staff.models import StaffMember

QUARTER_RE = r"^\d{4}Q[1-4]$"
quarter_validator = RegexValidator(QUARTER_RE, _("季度格式应为 YYYYQn，如 2026Q1"))


def quarter_bounds(quarter: str) -> tuple[datetime.date, datetime.date]:
    """``2026Q1`` → (2026-01-01, 2026-03-31), both days included."""
    year, q = int(quarter[:4]), int(quarter[5])
    start = datetime.date(year, 3 * q - 2, 1)
    end = datetime.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - datetime.timedelta(days=1)
    return start, end


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


class RankingSheet(ProjectOwned):
    """A project's quarterly ranking of its people (员工季度考核表): figures frozen when drafted, a
    reviewer's remark per person, published by a manager who is not on it. Evidence for a review,
    never a decision: publishing changes nothing else."""

    quarter = models.CharField(_("季度"), max_length=6, validators=[quarter_validator])
    status = models.CharField(
        _("状态"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("编制人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    note = models.TextField(_("说明"), blank=True, max_length=2000)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "staff_rankingsheet"
        verbose_name = _("季度排名表")
        verbose_name_plural = _("季度排名表")
        ordering = ["-quarter", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "quarter"], name="ranking_sheet_once_per_quarter")
        ]
        indexes = [models.Index(fields=["company", "-quarter"], name="ranking_company_quarter_idx")]

    def __str__(self) -> str:
        return self.quarter


class RankingRow(ProjectOwned):
    """One person on a ranking sheet: their figures as they were when the sheet was drafted."""

    sheet = models.ForeignKey(RankingSheet, on_delete=models.CASCADE, related_name="rows")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("员工"))
    rank = models.PositiveSmallIntegerField(_("名次"))
    handled = models.PositiveIntegerField(_("完成工单"), default=0)
    deadlines_done = models.PositiveIntegerField(_("时限完成数"), default=0)
    deadlines_on_time = models.PositiveIntegerField(_("按时完成数"), default=0)
    ratings = models.PositiveIntegerField(_("评价数"), default=0)
    rating_mean = models.DecimalField(_("平均评分"), max_digits=3, decimal_places=2, null=True, blank=True)
    answered = models.PositiveIntegerField(_("回访数"), default=0)
    satisfied = models.PositiveIntegerField(_("回访满意数"), default=0)
    complaints = models.PositiveIntegerField(_("被投诉(指名)"), default=0)
    complaints_assigned = models.PositiveIntegerField(_("负责投诉"), default=0)
    rework = models.PositiveIntegerField(_("返工次数"), default=0)
    first_contact_owned = models.PositiveIntegerField(_("首问受理"), default=0)
    handed_over = models.PositiveIntegerField(_("首问移交"), default=0)
    owner_followed_up = models.PositiveIntegerField(_("首问回访"), default=0)
    most_complained = models.BooleanField(_("被投诉最多"), default=False)
    remark = models.TextField(_("评语"), blank=True, max_length=1000)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = "staff_rankingrow"
        verbose_name = _("排名行")
        verbose_name_plural = _("排名行")
        ordering = ["sheet_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["sheet", "staff"], name="ranking_row_unique")]

    def __str__(self) -> str:
        return f"{self.rank}. {self.staff_id}"

    @property
    def on_time_rate(self):
        return round(self.deadlines_on_time / self.deadlines_done, 4) if self.deadlines_done else None

    @property
    def satisfied_rate(self):
        return round(self.satisfied / self.answered, 4) if self.answered else None


class AwardQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        """Residents see the awards of the estates they live in (seed 001: 在小区公示)."""
        return self.filter(project_id__in=Project.objects.for_resident(scope).values("id"))


class StaffAward(ProjectOwned):
    """A service-star award (服务之星 / 微笑大使 / 技术能手) of a project for a quarter, shown to residents."""

    kind = models.CharField(_("奖项"), max_length=20, choices=AwardKind.choices)
    period = models.CharField(_("季度"), max_length=6, validators=[quarter_validator])
    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="awards", verbose_name=_("获奖员工")
    )
    citation = models.CharField(_("事迹"), max_length=300)
    awarded_by = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评选人"),
    )

    objects = AwardQuerySet.as_manager()

    class Meta:
        db_table = "staff_staffaward"
        verbose_name = _("服务之星")
        verbose_name_plural = _("服务之星")
        ordering = ["-period", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "period"], name="staff_award_once_per_period")
        ]
        indexes = [models.Index(fields=["company", "-period"], name="staff_award_period_idx")]

    def __str__(self) -> str:
        return f"{self.period} {self.get_kind_display()}"


class TrainingQuerySet(ScopedQuerySet):
    def for_projects(self, project_ids):
        serves = StaffMember.projects.through.objects.filter(
            staffmember_id=OuterRef("staff_id"), project_id__in=project_ids
        )
        return self.filter(Exists(serves))


class TrainingRecord(CompanyOwned):
    """One course a person attended (急救培训, 消防演练, 礼仪 …): when, how long, the result, who taught."""

    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("员工")
    )
    course = models.CharField(_("课程"), max_length=100)
    trained_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(
        _("学时"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    result = models.CharField(_("结果"), max_length=10, choices=TrainingResult.choices)
    trainer = models.CharField(_("培训师/机构"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        db_table = "staff_trainingrecord"
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-trained_on", "-id"]
        indexes = [models.Index(fields=["staff", "-trained_on"], name="training_staff_date_idx")]

    def __str__(self) -> str:
        return f"{self.trained_on} {self.course}"


class RewardPenalty(ProjectOwned):
    """A reward or a penalty (奖惩) on one person's record at a project: why, on what evidence, how
    much (yuan) and/or how many points. Proposed by the person's department head, approved or rejected
    by the project manager (never by the proposer). A record, never an action: nothing is paid or
    deducted from it (docs/staff.md)."""

    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("员工")
    )
    kind = models.CharField(_("类别"), max_length=8, choices=RewardKind.choices)
    reason = models.TextField(_("事由"), max_length=1000)
    occurred_on = models.DateField(_("发生日期"))
    amount = models.DecimalField(
        _("金额(元)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    points = models.PositiveSmallIntegerField(_("分值"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RewardStatus.choices, default=RewardStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    proposed_at = models.DateTimeField(_("提出时间"))
    decided_by = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True, max_length=1000)
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖惩记录")
        verbose_name_plural = _("奖惩记录")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(points__isnull=False), name="reward_amount_or_points"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="reward_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "status", "-occurred_on"], name="reward_staff_idx"),
            models.Index(fields=["company", "status", "proposed_at"], name="reward_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.staff_id} {self.occurred_on}"


class RewardEvidence(ProjectOwned):
    """One record a reward or penalty rests on: a complaint or praise request, a quality finding, a
    service-star award or a ranking row — of the same project and about the same person."""

    record = models.ForeignKey(RewardPenalty, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("依据类别"), max_length=10, choices=EvidenceKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.ForeignKey(
        "quality.NonConformance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    award = models.ForeignKey(StaffAward, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ranking_row = models.ForeignKey(
        RankingRow, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖惩依据")
        verbose_name_plural = _("奖惩依据")
        ordering = ["record_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["complaint", "praise"], ticket__isnull=False, finding__isnull=True)
                    & Q(award__isnull=True, ranking_row__isnull=True)
                )
                | Q(kind="finding", finding__isnull=False, ticket__isnull=True, award__isnull=True)
                & Q(ranking_row__isnull=True)
                | Q(kind="award", award__isnull=False, ticket__isnull=True, finding__isnull=True)
                & Q(ranking_row__isnull=True)
                | Q(kind="ranking", ranking_row__isnull=False, ticket__isnull=True, finding__isnull=True)
                & Q(award__isnull=True),
                name="reward_evidence_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.target_id}"

    @property
    def target_id(self):
        return self.ticket_id or self.finding_id or self.award_id or self.ranking_row_id


class RewardEscalation(ProjectOwned):
    """One step taken on a proposal left undecided; unique per record and step, so a job run twice or
    late tells nobody twice."""

    record = models.ForeignKey(RewardPenalty, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=RewardStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖惩审批超期升级")
        verbose_name_plural = _("奖惩审批超期升级")
        ordering = ["record_id", "step"]
        constraints = [models.UniqueConstraint(fields=["record", "step"], name="reward_escalation_once")]

    def __str__(self) -> str:
        return f"{self.record_id}#{self.step}"
