"""Community events (社区活动): an event planned for one or several estates, published as a notice,
signed up for by households with a capacity and a waiting list, attendance taken at the door by QR,
evaluated afterwards by those who came and summed up by the organiser with its actual cost
(SPEC §7; seed 001: community events with sign-up and evaluation; 便民 service days)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy
from guanjia.events.choices import (
    SHOWN_STATES,
    CommunityEventKind,
    CommunityEventStatus,
    EventStep,
    SignupStatus,
)


def _resident_projects(scope):
    return Occupancy.objects.filter(resident_id=scope.resident_id).current().values("project_id")


def _resident_units(scope):
    return Occupancy.objects.filter(resident_id=scope.resident_id).current().values("unit_id")


class EventQuerySet(ScopedQuerySet):
    """Staff see the events of the projects they serve (an event of several projects: each project's
    staff); residents the published-or-later events open to a project where they live now."""

    def for_projects(self, project_ids):
        places = EventProject.objects.filter(event_id=OuterRef("pk"), project_id__in=project_ids)
        return self.filter(Exists(places))

    def for_resident(self, scope):
        places = EventProject.objects.filter(
            event_id=OuterRef("pk"), project_id__in=_resident_projects(scope)
        )
        return self.filter(Exists(places), status__in=SHOWN_STATES)


class Event(ProjectOwned):
    """A community event (社区活动) or 便民 service day: what, when, where, for how many; planned by an
    organiser of ``project`` (the estate that runs it) and open to the households of every project in
    ``places``. Draft → published (its notice goes out) → sign-up closed → held → evaluated, or
    cancelled (the households signed up are told)."""

    title = models.CharField(_("活动名称"), max_length=80)
    kind = models.CharField(
        _("类型"), max_length=20, choices=CommunityEventKind.choices, default=CommunityEventKind.COMMUNITY
    )
    # The stalls of a 便民 service day (choices.ServiceDayService values).
    services = models.JSONField(_("便民服务项目"), default=list, blank=True)
    description = models.TextField(_("活动介绍"), max_length=2000, blank=True)
    place = models.CharField(_("地点"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额（人）"), validators=[MinValueValidator(1)])
    max_per_household = models.PositiveSmallIntegerField(
        _("每户最多人数"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    signup_opens_at = models.DateTimeField(_("报名开始"))
    signup_closes_at = models.DateTimeField(_("报名截止"))
    budget = models.DecimalField(
        _("预算（元）"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    actual_cost = models.DecimalField(
        _("实际费用（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    organiser = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织人")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CommunityEventStatus.choices, default=CommunityEventStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    held_at = models.DateTimeField(_("确认举办时间"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("总结时间"), null=True, blank=True)
    summary = models.TextField(_("活动总结"), max_length=2000, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    escalation_step = models.PositiveSmallIntegerField(_("已升级至"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("结束时间必须晚于开始时间"),
            ),
            models.CheckConstraint(
                condition=Q(signup_closes_at__gt=models.F("signup_opens_at")),
                name="event_signup_window",
                violation_error_message=_("报名截止必须晚于报名开始"),
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="event_late_idx")]

    def __str__(self) -> str:
        return self.title

    def services_display(self) -> list[str]:
        from guanjia.events.choices import ServiceDayService

        labels = dict(ServiceDayService.choices)
        return [str(labels.get(code, code)) for code in self.services or ()]


class EventProject(CompanyOwned):
    """One estate an event is open to, and the notice that tells its residents (one per project:
    a notice is addressed to one project)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="places")
    project = models.ForeignKey(
        "estates.Project", on_delete=models.PROTECT, related_name="+", verbose_name=_("项目")
    )
    notice = models.ForeignKey(
        "notices.Notice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("活动公告"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_project_field = "project_id"

    class Meta:
        verbose_name = _("活动项目")
        verbose_name_plural = _("活动项目")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "project"], name="event_project_once")]

    def __str__(self) -> str:
        return f"{self.event_id}@{self.project_id}"


class EventSignupQuerySet(ScopedQuerySet):
    """A sign-up is seen by the staff who see its event and by the household itself."""

    def for_projects(self, project_ids):
        return self.filter(
            Q(project_id__in=project_ids) | Q(event__in=Event.objects.for_projects(project_ids))
        )

    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))


class EventSignup(ProjectOwned):
    """A household's (unit's) sign-up for an event with the number of people coming: confirmed, or on
    the waiting list in the order of ``queued_at``; its QR token is shown at the door. A walk-in is a
    sign-up taken at the door (a household, or a named guest without a unit)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="signups")
    unit = models.ForeignKey(
        "estates.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("房屋"),
    )
    resident = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报名人"),
    )
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    people = models.PositiveSmallIntegerField(_("人数"), validators=[MinValueValidator(1)])
    status = models.CharField(_("状态"), max_length=10, choices=SignupStatus.choices)
    queued_at = models.DateTimeField(_("报名时间"))
    promoted_at = models.DateTimeField(_("候补转正时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    # Shown as a QR code; unguessable (secrets), unique, typed at the door when the camera fails.
    token = models.CharField(_("签到码"), max_length=16, unique=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    walk_in = models.BooleanField(_("现场登记"), default=False)

    objects = EventSignupQuerySet.as_manager()
    journal_exclude = ("updated_at", "token")

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["queued_at", "id"]
        constraints = [
            # One live sign-up per household and event: signing up twice is refused (409).
            models.UniqueConstraint(
                fields=["event", "unit"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="event_signup_once_per_unit",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at"], name="event_signup_queue_idx")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.unit_id or self.name}"


class EventRatingQuerySet(ScopedQuerySet):
    def for_projects(self, project_ids):
        return self.filter(
            Q(project_id__in=project_ids) | Q(event__in=Event.objects.for_projects(project_ids))
        )

    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))


class EventRating(ProjectOwned):
    """A household's short evaluation of an event it attended: 1–5 stars and a comment, once."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="ratings")
    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "estates.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("评价人")
    )
    stars = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("评价"), max_length=300, blank=True)

    objects = EventRatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动评价")
        verbose_name_plural = _("活动评价")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "unit"], name="event_rating_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.stars}"


class EventEscalation(ProjectOwned):
    """One step taken on an event past its end that was not marked held or summed up; unique per
    event and step, so a job run twice or late tells nobody twice."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="escalations")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=EventStep.choices)
    happened_at = models.DateTimeField(_("时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动超期升级")
        verbose_name_plural = _("活动超期升级")
        ordering = ["event_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["event", "step"], name="event_escalation_once_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}#{self.step}"
