"""Handover (收楼 / 入住) of units to their new owners and takeover inspection (接管验收) of a new
project's common parts from the developer.

- ``ReadyUnit``: a unit the developer may hand over (imported from .xlsx or marked on the list).
- ``Appointment``: one handover of a unit to its new owner: the slot, the owner's identity and
  documents checked, fees billed through the fee ledger, keys and meter readings, the owner's
  signature, completion (the owner becomes a resident of the unit).
- ``Takeover``: the company's acceptance of a project's common parts and equipment from the developer.
- ``Inspection`` + ``InspectionItem`` + ``InspectionPhoto`` + ``Defect``: one inspection shape for
  both (``kind``): rooms or areas × items, OK or defect with photos; a handover defect becomes a
  request (``tickets``) to engineering, a takeover defect goes to the developer with a deadline.
- ``ChecklistLine``: a project's own rooms/areas and items (the defaults in ``checklists``).
- ``DefectEscalation``: one row per step a late developer rectification climbs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import Photo, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy
from guanjia.handover.choices import (
    HandoverDefectStatus,
    HandoverInspectionKind,
    HandoverItemResult,
    HandoverReadyStatus,
    HandoverStatus,
    TakeoverStatus,
)


def _resident_units(scope):
    return Occupancy.objects.current().filter(resident_id=scope.resident_id).values("unit_id")


class UnitQuerySet(ScopedQuerySet):
    """Residents see the handover records of the units they currently live in or own."""

    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))


class ThroughInspectionQuerySet(ScopedQuerySet):
    """Rows of an inspection: residents see those of their own unit's handover (never a takeover)."""

    path = "inspection__"

    def for_resident(self, scope):
        return self.filter(**{f"{self.path}appointment__unit_id__in": _resident_units(scope)})


class ReadyUnit(ProjectOwned):
    """A unit the developer hands over to its buyer through us (可交付房屋清单)."""

    unit = models.OneToOneField(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    ready_on = models.DateField(_("可交付日期"))
    buyer_name = models.CharField(_("购房人"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=HandoverReadyStatus.choices, default=HandoverReadyStatus.READY
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("可交付房屋")
        verbose_name_plural = _("可交付房屋")
        ordering = ["project_id", "unit_id"]
        indexes = [models.Index(fields=["project", "status"], name="handover_ready_status_idx")]

    def __str__(self) -> str:
        return str(self.unit_id)


class Appointment(ProjectOwned):
    """One handover of a unit to its new owner (收楼预约 → 验房 → 签字 → 交付)."""

    number = models.CharField(_("编号"), max_length=30)
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    starts_at = models.DateTimeField(_("预约开始"))
    ends_at = models.DateTimeField(_("预约结束"))
    owner_name = models.CharField(_("业主姓名"), max_length=60)
    owner_phone = models.CharField(_("业主电话"), max_length=20)
    owner_id_number = models.CharField(_("身份证号"), max_length=18)
    documents = models.JSONField(_("已核验资料"), default=list, blank=True)
    keys = models.JSONField(_("钥匙交接"), default=dict, blank=True)
    water_reading = models.DecimalField(_("水表读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    power_reading = models.DecimalField(_("电表读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    gas_reading = models.DecimalField(_("燃气表读数"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=HandoverStatus.choices, default=HandoverStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人"),
    )
    signature = models.CharField(_("业主签名"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("签名时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("交付时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resident = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记的住户"),
    )
    invitation_note = models.CharField(_("业主端邀请"), max_length=200, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("收楼预约")
        verbose_name_plural = _("收楼预约")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="handover_number_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="handover_slot_order"
            ),
            # One handover per unit ever completes.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="completed"), name="handover_completed_once"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="handover_appt_status_idx"),
            models.Index(fields=["unit", "status"], name="handover_appt_unit_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class Takeover(ProjectOwned):
    """The company's takeover of a new project's common parts and equipment from the developer
    (接管验收): inspected, defects rectified by the developer, accepted (with reservations) by the PM."""

    number = models.CharField(_("编号"), max_length=30)
    title = models.CharField(_("验收名称"), max_length=100)
    developer = models.CharField(_("开发商"), max_length=100)
    developer_contact = models.CharField(_("开发商联系人"), max_length=60)
    developer_phone = models.CharField(_("开发商联系电话"), max_length=20)
    planned_on = models.DateField(_("计划验收日期"))
    rectify_days = models.PositiveSmallIntegerField(_("整改期限（天）"), default=15)
    status = models.CharField(
        _("状态"), max_length=12, choices=TakeoverStatus.choices, default=TakeoverStatus.INSPECTING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("接管时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acceptance_note = models.CharField(_("接管意见"), max_length=500, blank=True)
    signature = models.CharField(_("项目经理签名"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("接管验收")
        verbose_name_plural = _("接管验收")
        ordering = ["-planned_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="handover_takeover_number")]

    def __str__(self) -> str:
        return self.number


class ChecklistLine(ProjectOwned):
    """One item of a project's own checklist (rooms of a unit, or common areas for a takeover)."""

    kind = models.CharField(_("用于"), max_length=10, choices=HandoverInspectionKind.choices)
    room = models.CharField(_("房间/区域"), max_length=40)
    item = models.CharField(_("检查项"), max_length=60)
    photo_required = models.BooleanField(_("问题须拍照"), default=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("验房检查项")
        verbose_name_plural = _("验房检查项")
        ordering = ["project_id", "kind", "position", "id"]

    def __str__(self) -> str:
        return f"{self.room} · {self.item}"


class InspectionQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(appointment__unit_id__in=_resident_units(scope))


class Inspection(ProjectOwned):
    """One inspection (验房 / 接管验收) against a checklist: of a unit's handover or of a takeover."""

    kind = models.CharField(_("类型"), max_length=10, choices=HandoverInspectionKind.choices)
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="inspection"
    )
    takeover = models.OneToOneField(
        Takeover, null=True, blank=True, on_delete=models.CASCADE, related_name="inspection"
    )
    started_at = models.DateTimeField(_("开始时间"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("验房人"),
    )

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("验房")
        verbose_name_plural = _("验房")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="handover", appointment__isnull=False, takeover__isnull=True))
                | (Q(kind="takeover", takeover__isnull=False, appointment__isnull=True)),
                name="handover_inspection_of_one",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class InspectionItem(ProjectOwned):
    """One line of an inspection: a room (or area, or ledger item) and what is checked there."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    room = models.CharField(_("房间/区域"), max_length=100)
    item = models.CharField(_("检查项"), max_length=100)
    equipment = models.ForeignKey(
        "facilities.Equipment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photo_required = models.BooleanField(_("问题须拍照"), default=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    result = models.CharField(
        _("结果"), max_length=10, choices=HandoverItemResult.choices, default=HandoverItemResult.PENDING
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ThroughInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("验房检查项结果")
        verbose_name_plural = _("验房检查项结果")
        ordering = ["inspection_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.room} · {self.item}"


class InspectionPhoto(Photo):
    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="photos")

    class PhotoQuerySet(ThroughInspectionQuerySet):
        path = "item__inspection__"

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("验房照片")
        verbose_name_plural = _("验房照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image


class Defect(ProjectOwned):
    """A defect found on an inspection (问题项): for a handover a request to engineering
    (``ticket``), for a takeover a rectification the developer owes by ``rectify_by``. Closed only by
    a re-inspection (复验) of someone other than whoever did the work."""

    item = models.OneToOneField(InspectionItem, on_delete=models.CASCADE, related_name="defect")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="defects")
    description = models.CharField(_("问题描述"), max_length=300)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报事单"),
    )
    rectify_by = models.DateTimeField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=HandoverDefectStatus.choices, default=HandoverDefectStatus.OPEN
    )
    developer_done_at = models.DateTimeField(_("开发商报整改完成"), null=True, blank=True)
    reinspected_at = models.DateTimeField(_("复验时间"), null=True, blank=True)
    reinspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reinspection_note = models.CharField(_("复验意见"), max_length=300, blank=True)
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)

    objects = ThroughInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("验房问题")
        verbose_name_plural = _("验房问题")
        ordering = ["inspection_id", "id"]
        indexes = [models.Index(fields=["status", "rectify_by"], name="handover_defect_due_idx")]

    def __str__(self) -> str:
        return self.description


class DefectEscalation(ProjectOwned):
    """One step taken on a developer's late rectification; unique per defect and step."""

    defect = models.ForeignKey(Defect, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("升级级别"))
    happened_at = models.DateTimeField(_("升级时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改超期升级")
        verbose_name_plural = _("整改超期升级")
        ordering = ["happened_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["defect", "step"], name="handover_escalation_once_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.defect_id} {self.step}"
