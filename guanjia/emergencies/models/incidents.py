"""Incidents: the event itself, who was called (and re-called), the checklists, the log, and what
it touches elsewhere (service requests, equipment)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.emergencies.choices import CommandHolder, EventKind, IncidentStatus, LogKind, Position, Tier
from guanjia.emergencies.models.plans import EmergencyPlan, PlanVersion

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(3)]


class IncidentQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status=IncidentStatus.CLOSED)


class Incident(ProjectOwned):
    """An emergency as it happens (or a drill run like one): where, what, which plan version and level,
    who holds command, and when it moved into aftermath and was closed."""

    plan = models.ForeignKey(
        EmergencyPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("预案")
    )
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(_("事件类别"), max_length=12, choices=EventKind.choices)
    level = models.PositiveSmallIntegerField(_("级别"), validators=LEVEL_VALIDATORS)
    is_drill = models.BooleanField(_("演练"), default=False)
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    floor_from = models.SmallIntegerField(_("起始楼层"), null=True, blank=True)
    floor_to = models.SmallIntegerField(_("结束楼层"), null=True, blank=True)
    location = models.CharField(_("位置"), max_length=100, blank=True)
    description = models.TextField(_("现场情况"), max_length=2000)
    equipment_involved = models.CharField(_("涉及设备"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    opened_at = models.DateTimeField(_("启动时间"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上报人"),
    )
    at_night = models.BooleanField(_("夜间"), default=False)
    command_holder = models.CharField(_("指挥权"), max_length=14, choices=CommandHolder.choices)
    command_taken_at = models.DateTimeField(_("接管指挥时间"), null=True, blank=True)
    command_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    aftermath_at = models.DateTimeField(_("转入善后时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="emergency_incident_level"),
            models.CheckConstraint(
                condition=Q(floor_from__isnull=True)
                | Q(floor_to__isnull=True)
                | Q(floor_to__gte=models.F("floor_from")),
                name="emergency_incident_floors",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status", "-opened_at"], name="emergency_incident_status_idx"),
            models.Index(fields=["project", "-opened_at"], name="emergency_incident_project_idx"),
        ]

    def __str__(self) -> str:
        label = _("演练") if self.is_drill else _("事件")
        return f"{label} #{self.pk} {self.get_kind_display()}"

    @property
    def place(self) -> str:
        parts = []
        if self.building_id:
            parts.append(str(self.building))
        if self.floor_from is not None:
            if self.floor_to is not None and self.floor_to != self.floor_from:
                parts.append(str(_("%(a)s–%(b)s层") % {"a": self.floor_from, "b": self.floor_to}))
            else:
                parts.append(str(_("%(a)s层") % {"a": self.floor_from}))
        if self.location:
            parts.append(self.location)
        return " ".join(parts) or str(_("全小区"))


class Summons(ProjectOwned):
    """One person called to one position of an incident: when called, when they acknowledged."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="summonses")
    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    position = models.CharField(_("岗位/小组"), max_length=20, choices=Position.choices)
    tier = models.PositiveSmallIntegerField(_("梯次"), choices=Tier.choices)
    is_standin = models.BooleanField(_("替补"), default=False)
    notified_at = models.DateTimeField(_("呼叫时间"))
    acknowledged_at = models.DateTimeField(_("响应时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("应急呼叫")
        verbose_name_plural = _("应急呼叫")
        ordering = ["tier", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "staff", "position"], name="emergency_summons_once")
        ]
        indexes = [models.Index(fields=["acknowledged_at", "notified_at"], name="emergency_summons_due_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_position_display()} {self.staff_id}"


class Recall(ProjectOwned):
    """One re-call of a person who has not acknowledged. Unique per step: a job running twice, or on
    two consumers at once, calls again exactly once."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="recalls")
    staff = models.ForeignKey("staff.StaffMember", on_delete=models.PROTECT, related_name="+")
    step = models.PositiveSmallIntegerField(_("次数"))
    happened_at = models.DateTimeField(_("时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("再次呼叫")
        verbose_name_plural = _("再次呼叫")
        ordering = ["happened_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "staff", "step"], name="emergency_recall_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.staff_id} #{self.step}"


class ChecklistItem(ProjectOwned):
    """One duty of one position in one incident, copied from the plan version; ticked off when done."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="checklist")
    position = models.CharField(_("岗位/小组"), max_length=20, choices=Position.choices)
    order = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("职责"), max_length=300)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("职责清单项")
        verbose_name_plural = _("职责清单")
        ordering = ["incident", "position", "order"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "position", "order"], name="emergency_check_once")
        ]

    def __str__(self) -> str:
        return self.text[:40]


class IncidentLog(ProjectOwned):
    """A timestamped line of the incident's log: what happened, who did what, a photo."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类别"), max_length=12, choices=LogKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    text = models.CharField(_("内容"), max_length=1000, blank=True)
    image = models.CharField(_("图片"), max_length=200, blank=True)
    thumbnail = models.CharField(_("缩略图"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件记录")
        verbose_name_plural = _("事件记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["incident", "-at"], name="emergency_log_incident_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.text[:40]}"


class IncidentTicket(ProjectOwned):
    """A service request an incident caused (e.g. water damage repairs), raised here or linked."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("工单")
    )
    raised_here = models.BooleanField(_("由事件创建"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件关联工单")
        verbose_name_plural = _("事件关联工单")
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="emergency_ticket_link_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.ticket_id}"


class IncidentEquipment(ProjectOwned):
    """A piece of the project's equipment ledger (facilities) involved in an incident, e.g. the pump
    that failed. Free text on the incident still covers things that are not in the ledger."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="equipment_links")
    equipment = models.ForeignKey(
        "facilities.Equipment", on_delete=models.PROTECT, related_name="+", verbose_name=_("设备")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件关联设备")
        verbose_name_plural = _("事件关联设备")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "equipment"], name="emergency_equipment_link_once")
        ]
        indexes = [models.Index(fields=["equipment", "incident"], name="emergency_equipment_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.equipment_id}"
