"""Aftermath: the follow-up calls, the incident report and the one official statement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.emergencies.choices import CallResult
from guanjia.emergencies.models.incidents import Incident
from guanjia.estates.models import Occupancy
from guanjia.staff.choices import Department


class FollowUpCall(ProjectOwned):
    """Aftermath: the call to one resident of one affected unit, and how it went."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="calls")
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("住户")
    )
    result = models.CharField(
        _("结果"), max_length=12, choices=CallResult.choices, default=CallResult.PENDING
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    called_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("善后回访")
        verbose_name_plural = _("善后回访")
        ordering = ["incident", "unit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "unit", "resident"], name="emergency_call_once")
        ]
        indexes = [models.Index(fields=["incident", "result"], name="emergency_call_result_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.unit_id} {self.get_result_display()}"


class IncidentReport(ProjectOwned):
    """The incident report (事故报告) written by the responsible department, approved by the project
    manager and then sent to HQ."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="report")
    department = models.CharField(_("出具部门"), max_length=12, choices=Department.choices)
    body = models.TextField(_("报告内容"), max_length=10000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("撰写人"),
    )
    written_at = models.DateTimeField(_("撰写时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    sent_to_hq_at = models.DateTimeField(_("报总公司时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件报告")
        verbose_name_plural = _("事件报告")

    def __str__(self) -> str:
        return str(_("事件报告 #%(id)s") % {"id": self.incident_id})


class StatementQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        projects = Occupancy.objects.filter(resident_id=scope.resident_id).current().values("project_id")
        return self.filter(project_id__in=projects, incident__is_drill=False)


class Statement(ProjectOwned):
    """The one official statement (对外发布) of an incident; only the project GM issues it. The
    one-to-one key is the database's guarantee that there is at most one."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="statement")
    body = models.TextField(_("发布内容"), max_length=4000)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发布人"),
    )
    issued_at = models.DateTimeField(_("发布时间"))

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("对外发布")
        verbose_name_plural = _("对外发布")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.body[:40]
