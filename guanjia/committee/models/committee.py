"""The owners' committee (业主委员会) of a project: its members and terms, its meetings with agenda,
minutes and attendees, and the resolutions that someone must carry out by a deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.committee.choices import MemberRole, ResolutionStatus, Step
from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet


class CommitteeMember(ProjectOwned):
    """A member of a project's owners' committee: an owner of a unit there, with a role and a term."""

    resident = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("业主")
    )
    role = models.CharField(_("职务"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("业委会委员")
        verbose_name_plural = _("业委会委员")
        ordering = ["project_id", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")),
                name="committee_member_term_order",
                violation_error_message=_("任期结束不能早于任期开始"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.resident_id}"

    @property
    def in_office(self) -> bool:
        return self.term_start <= timezone.localdate() <= self.term_end


class Meeting(ProjectOwned):
    """A meeting of the committee: when and where, the agenda, then the minutes and who attended."""

    title = models.CharField(_("会议名称"), max_length=100)
    held_at = models.DateTimeField(_("会议时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    agenda = models.TextField(_("议程"), max_length=5000)
    minutes = models.TextField(_("会议纪要"), max_length=20000, blank=True)
    attendees = models.ManyToManyField(
        CommitteeMember, blank=True, related_name="meetings", verbose_name=_("出席委员")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("业委会会议")
        verbose_name_plural = _("业委会会议")
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.title


class MeetingFile(ProjectOwned):
    """A file of a meeting's minutes (a signed scan, a PDF): private, served to who sees the meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files")
    file = models.CharField(_("文件"), max_length=200)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小"), default=0)
    content_type = models.CharField(max_length=60)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议纪要附件")
        verbose_name_plural = _("会议纪要附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Resolution(ProjectOwned):
    """A resolution (决议事项) the committee passed: someone (a staff member or a committee member)
    must carry it out by ``due_at``; it is closed only when someone else confirms it was done
    (闭环). Late ones climb the escalation ladder."""

    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
        verbose_name=_("会议"),
    )
    title = models.CharField(_("决议事项"), max_length=200)
    detail = models.TextField(_("内容"), max_length=5000, blank=True)
    owner_staff = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人（员工）"),
    )
    owner_member = models.ForeignKey(
        CommitteeMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
        verbose_name=_("责任人（委员）"),
    )
    due_at = models.DateTimeField(_("完成期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ResolutionStatus.choices, default=ResolutionStatus.OPEN
    )
    done_at = models.DateTimeField(_("落实时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.TextField(_("落实情况"), max_length=2000, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("业委会决议事项")
        verbose_name_plural = _("业委会决议事项")
        ordering = ["status", "due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_staff__isnull=True, owner_member__isnull=False)
                | Q(owner_staff__isnull=False, owner_member__isnull=True),
                name="resolution_one_owner",
                violation_error_message=_("请指定一位责任人：员工或委员"),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="resolution_status_due_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status == ResolutionStatus.OPEN and self.due_at < timezone.now()

    @property
    def owner_name(self) -> str:
        if self.owner_staff_id:
            return self.owner_staff.name
        return self.owner_member.resident.name if self.owner_member_id else ""


class ResolutionEscalation(ProjectOwned):
    """One step taken on a late resolution; unique per resolution and step (a job run twice tells once)."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=Step.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("决议事项升级")
        verbose_name_plural = _("决议事项升级")
        ordering = ["resolution_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "step"], name="resolution_escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id}#{self.step}"
