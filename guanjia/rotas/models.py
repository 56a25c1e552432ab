"""Rotas and attendance: the posts a project must keep manned, the shift patterns they run, who is
planned on which shift of which day, swaps between people, the cover warnings sent before a shift
and the attendance (clock-in/out) of every planned shift."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.cache import SharedCacheQuerySet
from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.rotas.choices import CoverStep, ShiftStatus, SwapStatus
from guanjia.staff.choices import Department


def new_token() -> str:
    return secrets.token_urlsafe(24)


class AttendanceRule(CompanyOwned):
    """A company's attendance rules (one row per company; defaults when absent)."""

    grace_minutes = models.PositiveSmallIntegerField(_("迟到宽限(分钟)"), default=5)
    early_minutes = models.PositiveSmallIntegerField(
        _("提前打卡(分钟)"), default=60, help_text=_("班次开始前多久可以上班打卡")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考勤规则")
        verbose_name_plural = _("考勤规则")
        constraints = [models.UniqueConstraint(fields=["company"], name="rotas_rule_one_per_company")]

    def __str__(self) -> str:
        return f"{self.grace_minutes}"


class ShiftPattern(CompanyOwned):
    """A kind of shift (白班 08:00–20:00, 夜班 20:00–08:00, 24小时 08:00–08:00). An end at or before
    the start runs past midnight; an end equal to the start is a 24-hour shift."""

    name = models.CharField(_("班次"), max_length=20)
    starts_at = models.TimeField(_("开始"))
    ends_at = models.TimeField(_("结束"))
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="rotas_pattern_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    def span(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        """The aware start and end of this shift when it starts on a Shanghai day."""
        tz = timezone.get_default_timezone()
        start = timezone.make_aware(datetime.datetime.combine(day, self.starts_at), tz)
        end_day = day if self.ends_at > self.starts_at else day + datetime.timedelta(days=1)
        end = timezone.make_aware(datetime.datetime.combine(end_day, self.ends_at), tz)
        return start, end

    @property
    def hours(self) -> float:
        start, end = self.span(datetime.date(2026, 1, 5))
        return (end - start).total_seconds() / 3600


class Post(ProjectOwned):
    """A post (岗位) of a project that must be manned: the main gate, the control room (消控室),
    engineering on call … with the shifts it runs and how many people each shift needs at least."""

    name = models.CharField(_("岗位"), max_length=40)
    department = models.CharField(_("部门"), max_length=12, choices=Department.choices)
    min_cover = models.PositiveSmallIntegerField(_("每班最少人数"), default=1)
    patterns = models.ManyToManyField(ShiftPattern, related_name="posts", verbose_name=_("班次"))
    qr_token = models.CharField(_("打卡码"), max_length=40, unique=True, default=new_token, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = SharedCacheQuerySet.as_manager()
    # Which departments a project plans by rota: read by every on_duty question (rotas.duty).
    shared_cache = ("rota-departments", "project_id")
    journal_exclude = ("updated_at", "qr_token")

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["project_id", "department", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="rotas_post_unique_name"),
            models.CheckConstraint(condition=Q(min_cover__gte=1), name="rotas_post_cover_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Shift(ProjectOwned):
    """One person planned on one shift of one post on one day (the day the shift starts), and what
    happened: clock-in and clock-out (time and place), late, absent, hours worked."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("岗位"))
    pattern = models.ForeignKey(
        ShiftPattern, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("班次")
    )
    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="rota_shifts", verbose_name=_("员工")
    )
    date = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    status = models.CharField(
        _("考勤"), max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED
    )
    clock_in_at = models.DateTimeField(_("上班打卡"), null=True, blank=True)
    clock_out_at = models.DateTimeField(_("下班打卡"), null=True, blank=True)
    clock_in_lat = models.FloatField(_("上班纬度"), null=True, blank=True)
    clock_in_lng = models.FloatField(_("上班经度"), null=True, blank=True)
    clock_out_lat = models.FloatField(_("下班纬度"), null=True, blank=True)
    clock_out_lng = models.FloatField(_("下班经度"), null=True, blank=True)
    late_minutes = models.PositiveIntegerField(_("迟到(分钟)"), default=0)
    worked_minutes = models.PositiveIntegerField(_("工作时长(分钟)"), default=0)
    swapped_from = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("换班自"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["starts_at", "post_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "pattern", "date", "staff"], name="rotas_shift_once_per_person"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="rotas_shift_not_empty"),
        ]
        indexes = [
            models.Index(fields=["project", "starts_at"], name="rotas_shift_project_idx"),
            models.Index(fields=["staff", "starts_at"], name="rotas_shift_staff_idx"),
            models.Index(fields=["company", "date"], name="rotas_shift_company_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.pattern_id}/{self.post_id}"


class SwapRequest(ProjectOwned):
    """A person asks to hand one of their shifts to a colleague; the department head (or the project
    manager) decides — never the person who asked."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps", verbose_name=_("班次"))
    requester = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    taker = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("接班人")
    )
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status="pending"), name="rotas_one_pending_swap_per_shift"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shift_id}: {self.requester_id}→{self.taker_id}"


class CoverAlert(ProjectOwned):
    """One step taken for a post's shift below its minimum cover before it starts: the head told,
    then the project manager; unique per post, shift, day and step, so a job run twice tells once."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="cover_alerts")
    pattern = models.ForeignKey(ShiftPattern, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日期"))
    step = models.PositiveSmallIntegerField(_("步骤"), choices=CoverStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    have = models.PositiveSmallIntegerField(_("已排人数"))
    need = models.PositiveSmallIntegerField(_("最少人数"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("缺员预警")
        verbose_name_plural = _("缺员预警")
        ordering = ["date", "post_id", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "pattern", "date", "step"], name="rotas_cover_alert_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post_id}/{self.pattern_id}/{self.date}#{self.step}"


class AttendanceCorrection(ProjectOwned):
    """A head's correction of a shift's attendance, with the reason (the shift's own change is
    journaled too)."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="corrections")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("更正原因"), max_length=200)
    changes = models.JSONField(_("变更"), default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考勤更正")
        verbose_name_plural = _("考勤更正")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.shift_id}: {self.reason}"
