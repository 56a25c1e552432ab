"""Deadlines of service requests: policies, calendars, the stored deadline of each stage, and the
escalation steps taken. A deadline is computed once, when its stage starts, and stored; "overdue"
is a query on stored deadlines, right even when no job has run."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.cache import SharedCacheQuerySet
from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.sla.choices import CalendarKind, LadderStep, Stage
from guanjia.tickets.choices import Kind, Priority


class Calendar(CompanyOwned):
    """When the clock runs: around the clock, or business hours on working days.

    Public holidays and make-up working days (调休) are ``CalendarDay`` rows, never hard-coded.
    """

    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(
        _("类型"), max_length=10, choices=CalendarKind.choices, default=CalendarKind.ALWAYS
    )
    work_starts = models.TimeField(_("上班时间"), default="08:30")
    work_ends = models.TimeField(_("下班时间"), default="17:30")
    # Weekdays that are normally working days, Monday = 0: "01234".
    workdays = models.CharField(_("工作日"), max_length=7, default="01234")

    objects = SharedCacheQuerySet.as_manager()
    shared_cache = ("sla", "company_id")  # services.company_sla

    class Meta:
        verbose_name = _("服务日历")
        verbose_name_plural = _("服务日历")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="sla_calendar_unique")]

    def __str__(self) -> str:
        return self.name


class CalendarDay(CompanyOwned):
    """An exception to the weekly pattern: a public holiday (not working) or a make-up day (working)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"))
    is_working = models.BooleanField(_("上班"))
    note = models.CharField(_("说明"), max_length=40, blank=True)

    objects = SharedCacheQuerySet.as_manager()
    shared_cache = ("sla", "company_id")  # services.company_sla

    class Meta:
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working else '休息'}"


class PolicyQuerySet(SharedCacheQuerySet):
    def for_projects(self, project_ids):
        return self.filter(Q(project__isnull=True) | Q(project_id__in=project_ids))


class SlaPolicy(CompanyOwned):
    """Allowed time per stage for a scope: the company default, or one category and/or priority,
    optionally for one project. The most specific matching policy applies (see ``services``)."""

    name = models.CharField(_("名称"), max_length=60)
    project = models.ForeignKey(
        "estates.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("项目"),
    )
    category = models.ForeignKey(
        "tickets.TicketCategory",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("类别"),
    )
    priority = models.CharField(_("紧急程度"), max_length=8, blank=True)
    kind = models.CharField(_("类型"), max_length=16, blank=True)
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("日历")
    )
    # Allowed minutes per stage; empty = the stage has no deadline under this policy.
    response_minutes = models.PositiveIntegerField(_("响应时限(分钟)"), null=True, blank=True)
    on_site_minutes = models.PositiveIntegerField(_("到场时限(分钟)"), null=True, blank=True)
    complete_minutes = models.PositiveIntegerField(_("完工时限(分钟)"), null=True, blank=True)
    feedback_minutes = models.PositiveIntegerField(_("首次答复时限(分钟)"), null=True, blank=True)
    follow_up_minutes = models.PositiveIntegerField(_("回访时限(分钟)"), null=True, blank=True)
    pause_on_hold = models.BooleanField(_("挂起时暂停计时"), default=True)
    # Escalation thresholds in % of the allowed time, one per ladder step.
    thresholds = models.JSONField(_("升级阈值(%)"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = PolicyQuerySet.as_manager()
    shared_cache = ("sla", "company_id")  # services.company_sla
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("时限策略")
        verbose_name_plural = _("时限策略")
        ordering = ["project_id", "category_id", "priority", "name"]

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, stage: str) -> int | None:
        return getattr(self, f"{stage}_minutes")

    @property
    def scope_label(self) -> str:
        """What the policy applies to, in words ("金苑小区 · 紧急 · 投诉"), or the company default.
        ``priority`` and ``kind`` hold the requests' codes; a reader sees their labels."""
        parts = [
            self.project.name if self.project_id else "",
            self.category.name if self.category_id else "",
            str(Priority(self.priority).label) if self.priority in Priority.values else self.priority,
            str(Kind(self.kind).label) if self.kind in Kind.values else self.kind,
        ]
        return " · ".join(p for p in parts if p) or str(_("公司默认"))


# A clock is late when its due moment has passed while it runs: not done, not paused. A paused clock
# has time left by construction (hold pauses only clocks with time left, ``services``), so it is
# never late; resuming moves its due moment by the time it was held. One predicate, written twice:
# here for querysets, and as SQL for the per-row probe of the request lists (``services.overdue_exists``).


class DeadlineQuerySet(ScopedQuerySet):
    def running(self):
        return self.filter(done_at__isnull=True)

    def overdue(self, now):
        """Running late: past due, not done, not paused (``LATE``)."""
        return self.filter(done_at__isnull=True, paused_at__isnull=True, due_at__lt=now)

    def due_soon(self, now, until):
        """Running with its due moment in [now, until): not done, not paused."""
        return self.filter(done_at__isnull=True, paused_at__isnull=True, due_at__gte=now, due_at__lt=until)

    # The on-time figures (docs/figures.md, "Request clocks"). Each clock is judged once, at the
    # moment its outcome is known, and counted in the period of that moment:
    # - met: done by its due moment — counted when done (``done_at``);
    # - missed: its due moment passed while it ran — counted when it ran out (``due_at``), whether
    #   it was done late later, is still running, or its request was cancelled after that;
    # - stopped: the request was cancelled (or reopened before the call-back) while the clock still
    #   had time left — left out of the rates, counted apart, when stopped (``done_at``).
    # A past period's figure is final: nothing that happens later moves a clock into or out of it.

    def met(self, start, end):
        """Clocks done by their due moment in [start, end)."""
        return self.filter(done_at__gte=start, done_at__lt=end, done_at__lte=F("due_at"), stopped=False)

    def stopped_in_time(self, start, end):
        """Clocks stopped with time left (request cancelled or reopened) in [start, end)."""
        return self.filter(done_at__gte=start, done_at__lt=end, done_at__lte=F("due_at"), stopped=True)

    def first_round_done(self, start, end, stages):
        """The first round's clocks of ``stages`` done (not stopped) in [start, end): the times
        the figures show, each from receipt (the first round starts when the request is received)
        to the stage's end, minus the time held (``paused_seconds``)."""
        return self.filter(round=0, stage__in=stages, done_at__gte=start, done_at__lt=end, stopped=False)

    def missed(self, start, end, now):
        """Clocks that ran out of time in [start, min(end, now)): done late, or still running late."""
        return self.filter(due_at__gte=start, due_at__lt=min(end, now)).filter(
            Q(done_at__gt=F("due_at")) | Q(done_at__isnull=True, paused_at__isnull=True)
        )


class TicketDeadline(ProjectOwned):
    """The deadline of one stage of one request, in one round of work (rework starts a new round)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="deadlines")
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices)
    round = models.SmallIntegerField(_("轮次"), default=0)
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("开始"))
    allowed_minutes = models.PositiveIntegerField(_("允许时长(分钟)"))
    due_at = models.DateTimeField(_("截止"))
    done_at = models.DateTimeField(_("完成"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停(秒)"), default=0)
    # Stopped, not done: the request was cancelled (or the resident reopened it before the call-back)
    # while this clock ran. It leaves the on-time rates if it still had time left (counted apart).
    stopped = models.BooleanField(_("未完成即停止"), default=False)
    # Escalation thresholds copied from the policy when the stage started (stored, like the due time).
    thresholds = models.JSONField(default=list)
    escalation_step = models.SmallIntegerField(_("已升级至"), default=0)
    # When the escalation job should look at this deadline again: its next threshold's moment, set by
    # the job itself (``escalate_due``). Empty = not yet looked at, or its clock moved (resume, calendar
    # change). Only ever earlier than the true moment, never later: it saves work, it decides nothing.
    next_step_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("阶段时限")
        verbose_name_plural = _("阶段时限")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "stage", "round"], name="sla_deadline_unique"),
        ]
        indexes = [
            # "Overdue" everywhere: open deadlines of a project ordered by due time.
            models.Index(
                fields=["company", "project", "due_at"],
                include=["stage", "ticket"],  # the board counts by stage from the index alone
                condition=Q(done_at__isnull=True),
                name="sla_open_due_idx",
            ),
            models.Index(fields=["ticket", "stage"], name="sla_deadline_ticket_idx"),
            # "Is this request overdue?", probed per row of every list: answered from the small index
            # of unfinished deadlines alone, whatever the size of the history.
            models.Index(
                fields=["ticket", "due_at"],
                condition=Q(done_at__isnull=True),
                name="sla_open_ticket_due_idx",
            ),
            # The escalation job reads only the running deadlines with a step due (or not yet looked at).
            models.Index(
                fields=["next_step_at"],
                condition=Q(done_at__isnull=True, paused_at__isnull=True),
                name="sla_next_step_idx",
            ),
            # Figures: on-time rate of the stages finished in a period.
            models.Index(fields=["company", "done_at"], name="sla_deadline_done_idx"),
            # Figures: the clocks that ran out of time in a period (missed), done or not.
            models.Index(fields=["company", "due_at"], name="sla_deadline_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.stage} {self.due_at:%Y-%m-%d %H:%M}"


class Escalation(ProjectOwned):
    """One step of the escalation ladder taken for one deadline. The unique constraint makes each
    step happen once, however many job runs or consumers race for it."""

    deadline = models.ForeignKey(TicketDeadline, on_delete=models.CASCADE, related_name="escalations")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    step = models.SmallIntegerField(
        _("级别"), choices=LadderStep.choices, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    threshold = models.PositiveSmallIntegerField(_("阈值(%)"))
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("升级记录")
        verbose_name_plural = _("升级记录")
        ordering = ["happened_at"]
        constraints = [models.UniqueConstraint(fields=["deadline", "step"], name="sla_escalation_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_step_display()}"
