"""Notices (公告): what the estate tells its residents — tips, outages, events, emergency statements,
fees, rules — addressed to a whole company, a project or one building; who has read them, per
household; and the service team's cards (管家名片) residents see (SPEC §7; seeds 001, 002)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy, Unit
from guanjia.notices.choices import URGENT_KINDS, NoticeKind, NoticeStatus
from guanjia.staff.models import StaffMember


def _resident_places(scope):
    """The current occupancies of a resident (their projects and buildings are read from these)."""
    return Occupancy.objects.filter(resident_id=scope.resident_id).current()


class NoticeQuerySet(ScopedQuerySet):
    """Staff see the company-wide notices and those of the projects they serve; residents only
    published, unexpired notices addressed to a project (or building) where they live now."""

    def for_projects(self, project_ids):
        return self.filter(Q(project__isnull=True) | Q(project_id__in=project_ids))

    def for_resident(self, scope):
        places = _resident_places(scope)
        buildings = Unit.objects.filter(id__in=places.values("unit_id")).values("building_id")
        addressed = (
            Q(project__isnull=True)
            | Q(project_id__in=places.values("project_id"), building__isnull=True)
            | Q(building_id__in=buildings)
        )
        return self.live().filter(addressed)

    def live(self, now=None):
        """Published and not yet expired: what the portal shows."""
        now = now or timezone.now()
        return self.filter(status=NoticeStatus.PUBLISHED, published_at__lte=now).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class Notice(CompanyOwned):
    """A notice (公告) to residents: company-wide (no project), for a project, or for one building.
    Drafted, then published at once or at ``publish_at`` by the periodic job, shown until
    ``expires_at``; urgent kinds (outages, emergency statements) are also pushed to every household."""

    project = models.ForeignKey(
        "estates.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("项目"),
        help_text=_("留空为全公司公告（仅总部可发布）"),
    )
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
        help_text=_("留空为全项目"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), max_length=5000)
    status = models.CharField(
        _("状态"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("定时发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下架时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("起草人")
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    # Set when every addressed household's push went out (the job resumes where it stopped otherwise).
    pushed_at = models.DateTimeField(_("推送完成时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["-pinned", "-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(building__isnull=True) | Q(project__isnull=False),
                name="notice_building_needs_project",
                violation_error_message=_("指定楼栋时必须指定项目"),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expires_at__gt=models.F("publish_at")),
                name="notice_expires_after_publish",
                violation_error_message=_("下架时间必须晚于发布时间"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="notice_due_idx"),
            models.Index(fields=["company", "project", "-published_at"], name="notice_project_pub_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_urgent(self) -> bool:
        return self.kind in URGENT_KINDS

    @property
    def is_editable(self) -> bool:
        return self.status in (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED)

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        return (
            self.status == NoticeStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
            and (self.expires_at is None or self.expires_at > now)
        )

    @property
    def addressed_to(self) -> str:
        if self.project_id is None:
            return str(_("全公司"))
        if self.building_id is None:
            return self.project.name
        return f"{self.project.name} {self.building.name}"


class NoticeAttachmentQuerySet(ScopedQuerySet):
    """An attachment is seen by whoever sees its notice."""

    def for_projects(self, project_ids):
        return self.filter(notice__in=Notice.objects.for_projects(project_ids))

    def for_resident(self, scope):
        return self.filter(notice__in=Notice.objects.filter(company_id=scope.company_id).for_resident(scope))


class NoticeAttachment(CompanyOwned):
    """A file attached to a notice (a PDF, a photo of the schedule): stored privately, fetched through
    ``/media/`` only by those who see the notice (``core.media``)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.CharField(_("文件"), max_length=200)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小"), default=0)
    content_type = models.CharField(max_length=60)

    objects = NoticeAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("公告附件")
        verbose_name_plural = _("公告附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NoticeReadQuerySet(ScopedQuerySet):
    def for_projects(self, project_ids):
        return self.filter(unit__project_id__in=project_ids)

    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_places(scope).values("unit_id"))


class NoticeRead(CompanyOwned):
    """A household's read receipt (已读回执): the first time anyone living in the unit opened the
    notice. One per notice and unit, whatever the number of members or of reads."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("阅读人")
    )
    read_at = models.DateTimeField(_("阅读时间"))

    objects = NoticeReadQuerySet.as_manager()

    class Meta:
        verbose_name = _("公告已读回执")
        verbose_name_plural = _("公告已读回执")
        ordering = ["read_at", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="notice_read_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.notice_id}@{self.unit_id}"


class ServiceCardQuerySet(ScopedQuerySet):
    """Staff see the cards of the people serving their projects; residents the shown cards of the
    people serving the projects where they live."""

    def for_projects(self, project_ids):
        serves = StaffMember.projects.through.objects.filter(
            staffmember_id=OuterRef("staff_id"), project_id__in=project_ids
        )
        return self.filter(Exists(serves))

    def for_resident(self, scope):
        return self.filter(shown=True).for_projects(_resident_places(scope).values("project_id"))


class ServiceCard(CompanyOwned):
    """A staff member's card shown to residents (管家名片): the name, photo, work phone and hours a
    household needs to reach its butler or the service team. One per staff member; a butler's card
    is shown first to the households of the buildings they look after (``staff.butler_buildings``)."""

    staff = models.OneToOneField(
        StaffMember, on_delete=models.CASCADE, related_name="service_card", verbose_name=_("员工")
    )
    title = models.CharField(_("对外职务"), max_length=30, help_text=_("如：楼栋管家、客服主管"))
    phone = models.CharField(_("服务电话"), max_length=20)
    hours = models.CharField(_("服务时间"), max_length=60, help_text=_("如：每天 8:30-18:00"))
    intro = models.CharField(_("简介"), max_length=200, blank=True)
    photo = models.CharField(_("照片"), max_length=200, blank=True)
    thumbnail = models.CharField(_("缩略图"), max_length=200, blank=True)
    shown = models.BooleanField(_("向住户展示"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    objects = ServiceCardQuerySet.as_manager()

    class Meta:
        verbose_name = _("管家名片")
        verbose_name_plural = _("管家名片")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.staff_id}"
