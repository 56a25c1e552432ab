"""Drills: a plan exercised at a project, run as an incident marked as a drill."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.emergencies.choices import DrillStatus
from guanjia.emergencies.models.incidents import LEVEL_VALIDATORS, Incident
from guanjia.emergencies.models.plans import EmergencyPlan


class Drill(ProjectOwned):
    """A drill (演练) of one plan at one project: planned for a day, run as an incident marked as a
    drill, then evaluated."""

    plan = models.ForeignKey(
        EmergencyPlan, on_delete=models.PROTECT, related_name="drills", verbose_name=_("预案")
    )
    planned_for = models.DateField(_("计划日期"))
    level = models.PositiveSmallIntegerField(_("演练级别"), default=2, validators=LEVEL_VALIDATORS)
    status = models.CharField(
        _("状态"), max_length=10, choices=DrillStatus.choices, default=DrillStatus.PLANNED
    )
    incident = models.OneToOneField(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="drill"
    )
    evaluation = models.TextField(_("演练评估"), max_length=4000, blank=True)
    score = models.PositiveSmallIntegerField(
        _("评分"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # Seed 000: the yearly whole-system fire test runs with the fire drill. The facilities task of the
    # project's yearly fire plan this drill goes with (SET_NULL: facilities may regenerate future tasks).
    fire_test = models.ForeignKey(
        "facilities.MaintenanceTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("年度消防系统联动测试"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("应急演练")
        verbose_name_plural = _("应急演练")
        ordering = ["-planned_for", "-id"]
        indexes = [models.Index(fields=["project", "planned_for"], name="emergency_drill_project_idx")]

    def __str__(self) -> str:
        return f"{self.plan} {self.planned_for}"
