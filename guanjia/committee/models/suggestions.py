"""The suggestion box (意见箱): what residents suggest from the portal and the estate's answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.committee.choices import Step, SuggestionStatus
from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy


class SuggestionQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        # Their own, and the ones answered publicly in a project where they live now.
        projects = Occupancy.objects.filter(resident_id=scope.resident_id).current().values("project_id")
        return self.filter(Q(resident_id=scope.resident_id) | Q(answer_public=True, project_id__in=projects))


class Suggestion(ProjectOwned):
    """A resident's suggestion (意见/建议) put in the box: answered by staff by ``due_at`` (working
    days of the company's business calendar), publicly — every resident of the project reads it —
    or to the resident alone; a late one climbs the escalation ladder."""

    resident = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("提交人")
    )
    body = models.TextField(_("内容"), max_length=2000)
    public = models.BooleanField(_("可公开"), default=True, help_text=_("不勾选则只有物业能看到"))
    photo = models.CharField(_("照片"), max_length=200, blank=True)
    thumbnail = models.CharField(_("缩略图"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    due_at = models.DateTimeField(_("答复期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    answer_public = models.BooleanField(_("公开答复"), default=False)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复人"),
    )
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("意见箱")
        verbose_name_plural = _("意见箱")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_public=False) | Q(public=True),
                name="suggestion_public_answer_needs_public",
                violation_error_message=_("住户未同意公开的意见只能私下答复"),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="suggestion_status_due_idx")]

    def __str__(self) -> str:
        return self.body[:30]

    @property
    def overdue(self) -> bool:
        return self.status == SuggestionStatus.OPEN and self.due_at < timezone.now()


class SuggestionEscalation(ProjectOwned):
    """One step taken on a late suggestion; unique per suggestion and step."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=Step.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("意见答复升级")
        verbose_name_plural = _("意见答复升级")
        ordering = ["suggestion_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "step"], name="suggestion_escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id}#{self.step}"
