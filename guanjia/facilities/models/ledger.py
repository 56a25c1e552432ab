"""The equipment ledger (设备台账): the per-company type tree, each item of an estate, and its photos
and documents. An item's QR label carries its ``qr_token``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, ProjectOwned, SoftDeletable
from guanjia.core.scoping import ScopedQuerySet
from guanjia.facilities.choices import EquipmentStatus, FileKind


class EquipmentType(CompanyOwned):
    """A kind of system or equipment (消防 → 灭火器 …): a per-company tree that plans and figures group by."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    name = models.CharField(_("类型"), max_length=30)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备类型")
        verbose_name_plural = _("设备类型")
        ordering = ["parent_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "parent", "name"], name="facilities_type_unique"),
            models.UniqueConstraint(
                fields=["company", "name"],
                condition=Q(parent__isnull=True),
                name="facilities_root_type_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Equipment(ProjectOwned, SoftDeletable):
    """One system or piece of equipment of an estate, as the ledger (设备台账) records it."""

    type = models.ForeignKey(
        EquipmentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("类型")
    )
    code = models.CharField(_("设备编号"), max_length=30)
    name = models.CharField(_("名称"), max_length=100)
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    floor = models.CharField(_("楼层"), max_length=10, blank=True)
    room = models.CharField(_("位置/房间"), max_length=60, blank=True)
    serial_no = models.CharField(_("出厂编号"), max_length=60, blank=True)
    model_no = models.CharField(_("型号"), max_length=60, blank=True)
    vendor = models.CharField(_("生产厂家"), max_length=100, blank=True)
    contractor = models.CharField(_("维保单位"), max_length=100, blank=True)
    contract_starts = models.DateField(_("维保合同开始"), null=True, blank=True)
    contract_ends = models.DateField(_("维保合同结束"), null=True, blank=True)
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    warranty_until = models.DateField(_("保修截止"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=EquipmentStatus.choices, default=EquipmentStatus.IN_SERVICE
    )
    # Set when open repair work made the item faulty, so closing that work puts it back in service
    # (a status someone set by hand is left alone).
    faulty_from_repairs = models.BooleanField(default=False, editable=False)
    notes = models.TextField(_("备注"), blank=True, max_length=1000)
    # The secret in the QR label: opening /facilities/q/<qr_token>/ proves being at the item.
    qr_token = models.CharField(max_length=24, unique=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备")
        verbose_name_plural = _("设备")
        ordering = ["project_id", "code"]
        indexes = [
            models.Index(fields=["company", "project", "type"], name="facilities_equipment_type_idx"),
            models.Index(fields=["company", "project", "status"], name="facilities_equipment_st_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"],
                condition=Q(deleted_at__isnull=True),
                name="facilities_equipment_code",
            ),
            models.CheckConstraint(
                condition=Q(contract_ends__isnull=True)
                | Q(contract_starts__isnull=True)
                | Q(contract_ends__gte=models.F("contract_starts")),
                name="facilities_contract_dates",
                violation_error_message=_("维保合同结束日期不能早于开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def place(self) -> str:
        parts = [
            self.building.name if self.building_id else "",
            f"{self.floor}层" if self.floor else "",
            self.room,
        ]
        return " ".join(p for p in parts if p)


class EquipmentFile(ProjectOwned):
    """A photo or document (manual, certificate, test report) of an item."""

    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类别"), max_length=12, choices=FileKind.choices)
    title = models.CharField(_("标题"), max_length=100, blank=True)
    file = models.CharField(_("文件"), max_length=200)
    thumbnail = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("设备资料")
        verbose_name_plural = _("设备资料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()
