"""Who may join a unit: a stranger's claim (业主认证) and the butler's decision on it.

A person who proved a phone number but is known nowhere claims a unit (``UnitClaim``) with a proof
photo (``ClaimPhoto``); the unit's building butlers decide by ``due_at``, and an undecided claim climbs
the escalation ladder once per step (``ClaimEscalation``). Household members and tenants an owner
invites are plain ``estates.Occupancy`` rows with their rights (``may_report`` …, ``invited_by``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import Photo, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.choices import Relation
from guanjia.households.choices import ClaimStatus, ClaimStep


class UnitClaim(ProjectOwned):
    """A claim (业主认证) by the holder of a verified phone number to own, rent or live in a unit.
    Nobody gets a unit through a claim without a butler's approval."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="claims", verbose_name=_("房屋")
    )
    phone = models.CharField(_("手机号"), max_length=20)
    name = models.CharField(_("姓名"), max_length=60)
    relation = models.CharField(_("关系"), max_length=10, choices=Relation.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    due_at = models.DateTimeField(_("审核期限"))
    # Who must decide: the unit's building butlers, else the project's desk or manager.
    assignees = models.ManyToManyField(
        "staff.StaffMember", related_name="unit_claims", blank=True, verbose_name=_("审核人")
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    resident = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("住户"),
    )
    occupancy = models.ForeignKey(
        "estates.Occupancy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("入住关系"),
    )
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)

    objects = ScopedQuerySet.as_manager()  # residents see none: the claimant has no account yet

    class Meta:
        verbose_name = _("业主认证申请")
        verbose_name_plural = _("业主认证申请")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "phone"],
                condition=Q(status="pending"),
                name="unit_claim_one_pending_per_phone",
                violation_error_message=_("您对该房屋已有待审核的认证申请"),
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status", "due_at"], name="unit_claim_status_due_idx"),
            models.Index(fields=["phone", "submitted_at"], name="unit_claim_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.unit_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == ClaimStatus.PENDING


class ClaimPhoto(Photo):
    """A proof photo of a claim (房产证、购房合同或租赁合同): EXIF stripped, seen only by staff."""

    claim = models.ForeignKey(UnitClaim, on_delete=models.CASCADE, related_name="photos")
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("认证材料照片")
        verbose_name_plural = _("认证材料照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.image


class ClaimEscalation(ProjectOwned):
    """One step taken on an undecided claim past its deadline; unique per claim and step, so a job
    that runs twice or late never tells anyone twice."""

    claim = models.ForeignKey(UnitClaim, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=ClaimStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("认证审核升级")
        verbose_name_plural = _("认证审核升级")
        ordering = ["claim_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "step"], name="claim_escalation_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}#{self.step}"
