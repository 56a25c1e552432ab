"""Plans: a company's plan per kind of event, its frozen versions, and projects' supporting documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.emergencies.choices import DocumentKind, EventKind
from guanjia.staff.choices import Department


class EmergencyPlan(CompanyOwned):
    """A company's plan (预案) for one kind of event. Its text lives in ``content`` (purpose, scope,
    organisation, procedures, three levels, duties per position, aftermath, documents); every edit
    makes a new ``PlanVersion``, and an incident keeps the version it ran under."""

    kind = models.CharField(_("事件类别"), max_length=12, choices=EventKind.choices)
    name = models.CharField(_("预案名称"), max_length=100)
    is_template = models.BooleanField(_("模板"), default=False, help_text=_("公司尚未按本项目修订的模板"))
    is_active = models.BooleanField(_("启用"), default=True)
    responsible_department = models.CharField(
        _("责任部门"), max_length=12, choices=Department.choices, default=Department.SECURITY
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    content = models.JSONField(_("内容"), default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "kind"], name="emergency_plan_one_per_kind")
        ]

    def __str__(self) -> str:
        return self.name

    def level(self, number: int) -> dict | None:
        return next((lv for lv in self.content.get("levels", []) if lv.get("level") == number), None)


class PlanVersion(CompanyOwned):
    """A frozen copy of a plan as it was at one version. Never changed after it is written."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("预案名称"), max_length=100)
    content = models.JSONField(_("内容"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预案版本")
        verbose_name_plural = _("预案版本")
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="emergency_plan_version_once")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def level(self, number: int) -> dict | None:
        return next((lv for lv in self.content.get("levels", []) if lv.get("level") == number), None)


class SupportingDocument(ProjectOwned):
    """A project's supporting document of a plan (evacuation plan, valve locations, contacts …)."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(
        _("类别"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    title = models.CharField(_("标题"), max_length=100)
    file = models.CharField(_("文件"), max_length=200)  # a name in Django's default storage
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("支持文件")
        verbose_name_plural = _("支持文件")
        ordering = ["plan", "kind", "id"]

    def __str__(self) -> str:
        return self.title
