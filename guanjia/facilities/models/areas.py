"""Areas of an estate (公共区域: lobbies, stairs, lifts, garages, gardens, bin points) that planned
environmental work — cleaning (保洁), pest control (消杀), greening (绿化) — is done over, as
maintenance is done over the ledger's equipment. An area's QR label carries its ``qr_token``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned, SoftDeletable
from guanjia.core.scoping import ScopedQuerySet
from guanjia.facilities.choices import AreaKind


class Area(ProjectOwned, SoftDeletable):
    """A common area of an estate (a building's lobby, the stairs of building 2, the garage …)."""

    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    kind = models.CharField(_("区域类型"), max_length=12, choices=AreaKind.choices)
    name = models.CharField(_("区域名称"), max_length=100)
    place = models.CharField(_("位置说明"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # The secret in the QR label: opening /facilities/a/<qr_token>/ proves being in the area.
    qr_token = models.CharField(max_length=24, unique=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公共区域")
        verbose_name_plural = _("公共区域")
        ordering = ["project_id", "kind", "name", "id"]
        indexes = [models.Index(fields=["company", "project", "kind"], name="facilities_area_kind_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=Q(deleted_at__isnull=True),
                name="facilities_area_name",
                violation_error_message=_("该项目已有同名区域"),
            )
        ]

    def __str__(self) -> str:
        return self.name
