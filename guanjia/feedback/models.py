"""Satisfaction surveys (满意度调查) and red/yellow/blue cards (红黄蓝牌): the residents' measure of
the service (SPEC §5; seed 000 §2.2, seed 002)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy
from guanjia.feedback.choices import CardColour, CardTarget, ServiceLine, SurveyStatus


def _resident_projects(scope):
    return Occupancy.objects.filter(resident_id=scope.resident_id).current().values("project_id")


def _resident_units(scope):
    return Occupancy.objects.filter(resident_id=scope.resident_id).current().values("unit_id")


class SurveyQuerySet(ScopedQuerySet):
    """Staff see the surveys that cover a project they serve; residents the surveys (not drafts)
    that cover a project where they live now."""

    def for_projects(self, project_ids):
        return self.filter(
            Exists(SurveyProject.objects.filter(survey_id=OuterRef("pk"), project_id__in=project_ids))
        )

    def for_resident(self, scope):
        covered = SurveyProject.objects.filter(
            survey_id=OuterRef("pk"), project_id__in=_resident_projects(scope)
        )
        return self.exclude(status=SurveyStatus.DRAFT).filter(Exists(covered))


class Survey(CompanyOwned):
    """A satisfaction survey (满意度调查) of one company for one period (``2026Q4``), covering some of
    its projects and service lines, with questions on a 5-point scale. Draft → open → closed."""

    title = models.CharField(_("标题"), max_length=100)
    period = models.CharField(_("周期"), max_length=20, help_text=_("如 2026Q4"))
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Set when the opening notice has reached every resident (the last batch); empty while it goes out.
    residents_notified_at = models.DateTimeField(_("住户通知完成时间"), null=True, blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-opens_on", "-id"]
        indexes = [models.Index(fields=["company", "status"], name="survey_company_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="survey_closes_after_opens"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.title}"


class SurveyProject(ProjectOwned):
    """A project a survey covers. ``invited`` is the number of households (units with an active
    occupancy) when the survey opened: the denominator of the response rate, stored, not recomputed."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="covered")
    invited = models.PositiveIntegerField(_("受邀户数"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("调查项目")
        verbose_name_plural = _("调查项目")
        ordering = ["survey", "project"]
        constraints = [models.UniqueConstraint(fields=["survey", "project"], name="survey_project_unique")]

    def __str__(self) -> str:
        return f"{self.survey_id}@{self.project_id}"


class SurveyQuestion(CompanyOwned):
    """One question of a survey, about one service line, answered 1 (very dissatisfied) … 5."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    line = models.CharField(_("服务条线"), max_length=12, choices=ServiceLine.choices)
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("题目"), max_length=200)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("调查题目")
        verbose_name_plural = _("调查题目")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:30]}"


class ResponseQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))


class SurveyResponse(ProjectOwned):
    """One household's answer sheet (答卷) to one survey: at most one per unit and survey."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("答卷人")
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    comment = models.TextField(_("意见与建议"), blank=True, max_length=2000)
    # A low score with a comment enters the closed loop as a complaint (tickets.ticket_create).
    follow_up = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("跟进报事"),
    )
    needs_follow_up = models.BooleanField(_("需跟进"), default=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "unit"], name="survey_response_one_per_household")
        ]
        indexes = [models.Index(fields=["survey", "project"], name="survey_response_project_idx")]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.unit_id}"


class AnswerQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(response__unit_id__in=_resident_units(scope))


class SurveyAnswer(ProjectOwned):
    """One score (1–5) of an answer sheet. Survey and line are stored on the row so the results
    per project and line are one aggregate over one index."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    line = models.CharField(_("服务条线"), max_length=12, choices=ServiceLine.choices)
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("调查评分")
        verbose_name_plural = _("调查评分")
        ordering = ["response", "question"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="survey_score_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["survey", "project", "line"], name="survey_answer_result_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score}"


class CardQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))

    def open_yellow(self):
        """Yellow cards against the company still waiting for the estate's response."""
        return self.filter(target=CardTarget.COMPANY, colour=CardColour.YELLOW, closed_at__isnull=True)


class CardVote(ProjectOwned):
    """One card a household casts in one month (红黄蓝牌): per unit, month, target and colour at most
    one. A yellow card for the company carries a rectification deadline and an owner (the project
    manager) and is closed with a response by the estate — never by the resident."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("投票人")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天（上海时间）"))
    target = models.CharField(_("对象"), max_length=10, choices=CardTarget.choices)
    colour = models.CharField(_("颜色"), max_length=10, choices=CardColour.choices)
    reason = models.TextField(_("意见"), blank=True, max_length=2000)
    cast_at = models.DateTimeField(_("投票时间"))
    deadline = models.DateTimeField(_("整改期限"), null=True, blank=True)
    owner = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("整改责任人"),
    )
    # When the overdue yellow card was reported to HQ quality (once; the hourly job sets it).
    escalated_at = models.DateTimeField(_("逾期上报时间"), null=True, blank=True)
    response = models.TextField(_("整改回复"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("关闭人"),
    )

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = _("红黄蓝牌")
        verbose_name_plural = _("红黄蓝牌")
        ordering = ["-cast_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "target", "colour"], name="card_one_per_unit_month_target_colour"
            )
        ]
        indexes = [
            models.Index(fields=["month", "project"], name="card_month_project_idx"),
            models.Index(
                fields=["company", "deadline"],
                condition=Q(colour="yellow", target="company", closed_at__isnull=True),
                name="card_open_yellow_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.target}/{self.colour}"


class TallyQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        # The tally is public (公开唱票): residents see their estate's.
        return self.filter(project_id__in=_resident_projects(scope))


class CardTally(ProjectOwned):
    """A month's published count (公开唱票) of one project's cards for one target, stored once at the
    month's end by the tally job."""

    month = models.DateField(_("月份"))
    target = models.CharField(_("对象"), max_length=10, choices=CardTarget.choices)
    households = models.PositiveIntegerField(_("户数"), default=0)
    blue = models.PositiveIntegerField(_("蓝牌"), default=0)
    yellow = models.PositiveIntegerField(_("黄牌"), default=0)
    red = models.PositiveIntegerField(_("红牌"), default=0)
    published_at = models.DateTimeField(_("公布时间"))

    objects = TallyQuerySet.as_manager()

    class Meta:
        verbose_name = _("红黄蓝牌月度唱票")
        verbose_name_plural = _("红黄蓝牌月度唱票")
        ordering = ["-month", "project", "target"]
        constraints = [models.UniqueConstraint(fields=["project", "month", "target"], name="card_tally_once")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m} {self.target}"


class FeeScale(ProjectOwned):
    """Pay by satisfaction (买单式, seed 000 §2.3): a project's published scale from a quarter's share of
    satisfied answers (满意率) to the percentage of the management fee the owners pay. ``steps`` is
    ``[{"min_satisfied": "90.00", "fee_percent": "100.00"}, …]``, highest threshold first; below the
    last threshold the last step's percentage applies. One per project; republishing replaces it (the
    journal keeps every version)."""

    steps = models.JSONField(_("标准"), default=list)
    published_at = models.DateTimeField(_("公布时间"))

    objects = TallyQuerySet.as_manager()  # public in the estate, like the tally

    class Meta:
        verbose_name = _("买单式收费标准")
        verbose_name_plural = _("买单式收费标准")
        ordering = ["project"]
        constraints = [models.UniqueConstraint(fields=["project"], name="fee_scale_one_per_project")]

    def __str__(self) -> str:
        return f"{self.project_id} {len(self.steps)}"
