"""Service requests (报事报修 / 投诉 / 咨询): the request, its timeline, photos, materials and charges."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CompanyOwned, Photo, ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy
from guanjia.tickets.choices import Action, Channel, Kind, PhotoStage, Priority, Status


class CatalogueQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self  # residents choose from their company's categories and paid services


class TicketCategory(CompanyOwned):
    """A node of the company's category tree (水电 › 漏水). Companies edit their own tree."""

    name = models.CharField(_("名称"), max_length=30)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.SmallIntegerField(_("排序"), default=0)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("报事类别")
        verbose_name_plural = _("报事类别")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "parent", "name"], name="ticket_category_unique", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        if self.parent_id and "parent" in self._state.fields_cache:
            return f"{self.parent.name} › {self.name}"
        return self.name


class PaidService(CompanyOwned):
    """An item of the paid-services catalogue (有偿服务): 家庭保洁 40.00 元/小时."""

    name = models.CharField(_("服务名称"), max_length=40)
    price = models.DecimalField(
        _("单价(元)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("计价单位"), max_length=10)
    category = models.ForeignKey(
        TicketCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("类别"),
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("上架"), default=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("有偿服务")
        verbose_name_plural = _("有偿服务")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="paid_service_unique")]

    def __str__(self) -> str:
        return self.name


def reported_by(scope, prefix: str = "") -> Q:
    """Requests the resident reported about a unit they still live in (or, without a unit, in an
    estate they still live in): after a move-out the unit's requests leave the portal, and stay in
    the staff's views."""
    current = Occupancy.objects.filter(resident_id=scope.resident_id).current()
    return Q(**{f"{prefix}reporter_resident_id": scope.resident_id}) & (
        Q(**{f"{prefix}unit_id__in": current.values("unit_id")})
        | Q(**{f"{prefix}unit__isnull": True, f"{prefix}project_id__in": current.values("project_id")})
    )


class TicketQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(reported_by(scope))

    def open(self):
        return self.exclude(status__in=[Status.CLOSED, Status.CANCELLED])


class Ticket(ProjectOwned):
    """One service request, from first contact to the resident's rating.

    Each stage's moment is stored (``dispatched_at`` … ``closed_at``) so that deadlines, escalation
    and figures (the next issue) read facts, not reconstructions.
    """

    number = models.CharField(_("单号"), max_length=24)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        TicketCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("类别"),
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    priority = models.CharField(
        _("紧急程度"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    status_before_hold = models.CharField(max_length=12, choices=Status.choices, blank=True)

    # Where: a unit (户内) or a common place (building + location text).
    unit = models.ForeignKey(
        "estates.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("房屋"),
    )
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    location = models.CharField(_("位置"), max_length=100, blank=True)

    # Who reported, and how to reach them.
    reporter_resident = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("报事住户"),
    )
    reporter_staff = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报事员工"),
    )
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    description = models.TextField(_("描述"), max_length=2000)
    paid_service = models.ForeignKey(
        PaidService,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("有偿服务"),
    )

    # Accountability.
    first_contact = models.ForeignKey(
        "staff.StaffMember",
        on_delete=models.PROTECT,
        related_name="first_contact_tickets",
        verbose_name=_("首问负责人"),
    )
    assignee = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
        verbose_name=_("处理人"),
    )
    # A complaint about a person (服务态度 …): whom it is against. Staff figures count it for them.
    subject_staff = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_against",
        verbose_name=_("被投诉员工"),
    )

    # Stage moments (UTC). Deadlines (next issue) are computed once from these and stored.
    received_at = models.DateTimeField(_("受理时间"))
    dispatched_at = models.DateTimeField(_("派工时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    # Who completed this round: the assignee, or the desk (or a head) resolving it without one. The
    # figures credit a request to its assignee, else to whoever completed it (docs/figures.md).
    completed_by = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("完工人"),
    )
    first_feedback_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    # Outcomes.
    resolution = models.TextField(_("处理结果"), blank=True)
    first_feedback = models.TextField(_("首次答复"), blank=True)
    hold_reason = models.CharField(_("挂起原因"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    root_cause = models.TextField(_("原因分析"), blank=True)
    rework_count = models.SmallIntegerField(_("返工次数"), default=0)
    escalation_level = models.SmallIntegerField(_("升级级别"), default=0)
    follow_up_satisfied = models.BooleanField(_("回访满意"), null=True, blank=True)
    follow_up_score = models.SmallIntegerField(
        _("回访评分"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    follow_up_by = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("回访人"),
    )
    rating = models.SmallIntegerField(
        _("业主评分"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(_("业主评价"), max_length=500, blank=True)
    charges_confirmed_at = models.DateTimeField(_("收费确认时间"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("报事工单")
        verbose_name_plural = _("报事工单")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="ticket_number_unique"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(building__isnull=False) | ~Q(location=""),
                name="ticket_has_a_place",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_score__isnull=True) | Q(follow_up_score__gte=1, follow_up_score__lte=5),
                name="ticket_follow_up_score_1_5",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="ticket_rating_1_5"
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "project", "status", "-received_at"], name="ticket_project_status_idx"
            ),
            models.Index(fields=["company", "-received_at", "-id"], name="ticket_company_recent_idx"),
            # A project's list, newest first (the console and the API filter by project).
            models.Index(fields=["project", "-received_at", "-id"], name="ticket_project_recent_idx"),
            # A project's open requests, newest first: the desk's first screen reads only open rows,
            # however long the project's history grows.
            models.Index(
                fields=["project", "-received_at", "-id"],
                condition=~Q(status__in=["closed", "cancelled"]),
                name="ticket_project_open_idx",
            ),
            # The company's open requests, newest first: the HQ's overdue list walks them.
            models.Index(
                fields=["company", "-received_at", "-id"],
                condition=~Q(status__in=["closed", "cancelled"]),
                name="ticket_company_open_idx",
            ),
            # The open backlog (boards count it per project): small, whatever the history's size.
            models.Index(
                fields=["company", "project", "priority"],
                condition=~Q(status__in=["closed", "cancelled"]),
                name="ticket_open_backlog_idx",
            ),
            # Figures aggregate requests completed in a period.
            models.Index(fields=["company", "completed_at"], name="ticket_completed_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["first_contact", "status"], name="ticket_first_contact_idx"),
            # Staff figures count the complaints against each person received in a period.
            models.Index(
                fields=["subject_staff", "received_at"],
                condition=Q(subject_staff__isnull=False),
                name="ticket_complaint_subject_idx",
            ),
            # Figures count the complaints received in a period, a small share of all requests: the
            # part since the roll-up's last run reads those, not every request received since.
            models.Index(
                fields=["company", "received_at"],
                condition=Q(kind="complaint"),
                name="ticket_complaint_received_idx",
            ),
            models.Index(fields=["reporter_resident", "-received_at"], name="ticket_reporter_idx"),
            models.Index(fields=["unit", "-received_at"], name="ticket_unit_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.CANCELLED)

    @property
    def version(self) -> str:
        """The request as a client last saw it (``expected_version`` of an action): see ``version_of``."""
        return version_of(self.updated_at)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def version_of(updated_at) -> str:
    """A request's version: its last save to the microsecond. Every action saves the request, so a
    client that sends back the version it was shown tells ``ticket_act`` whether the request changed
    since — a refusal is then "it changed under you" (409), not "you never could" (403)."""
    if updated_at is None:
        return ""
    return str((updated_at - _EPOCH) // datetime.timedelta(microseconds=1))


class TicketSubmission(models.Model):
    """One idempotency key used to receive a request (an API client's ``idempotency_key``, a web
    form's one-time token): the same person sending the same key again — a double click, a retried
    call — gets the request first received, never a second one. Unique per company, person and key,
    so of two submissions racing each other exactly one creates the request."""

    company = models.ForeignKey("core.Company", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("幂等键"), max_length=64)
    # SHA-256 of the request's content: the same key with different content is a conflict.
    fingerprint = models.CharField(max_length=64)
    ticket = models.ForeignKey("Ticket", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报事提交记录")
        verbose_name_plural = _("报事提交记录")
        constraints = [
            models.UniqueConstraint(fields=["company", "actor", "key"], name="ticket_submission_once")
        ]

    def __str__(self) -> str:
        return self.key


class TicketCounter(models.Model):
    """The running number of requests per project and month, for human-readable numbers."""

    project = models.ForeignKey("estates.Project", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=6)  # YYYYMM in Asia/Shanghai
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "period"], name="ticket_counter_unique")]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.period}: {self.last}"


class EventQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(reported_by(scope, "ticket__"), internal=False)


class TicketEvent(ProjectOwned):
    """One entry of a request's timeline: who did what, when, with what note, from → to."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=60, blank=True)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    # Internal notes (e.g. root-cause analysis) are not shown to residents.
    internal = models.BooleanField(_("内部"), default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单动态")
        verbose_name_plural = _("工单动态")
        ordering = ["time", "id"]
        indexes = [models.Index(fields=["ticket", "time"], name="ticket_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class PhotoQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(reported_by(scope, "ticket__"))


class TicketPhoto(Photo):
    """A photo of a request: as reported, before or after the repair. EXIF is stripped on upload."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("阶段"), max_length=8, choices=PhotoStage.choices, default=PhotoStage.REPORT)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单照片")
        verbose_name_plural = _("工单照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.image


class ChargeQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.filter(reported_by(scope, "ticket__"))


class TicketCharge(ProjectOwned):
    """A charge line of a paid repair or service; confirmed once, then kept for billing."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="charges")
    description = models.CharField(_("项目"), max_length=100)
    paid_service = models.ForeignKey(
        PaidService, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(
        _("数量"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit_price = models.DecimalField(
        _("单价"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    objects = ChargeQuerySet.as_manager()

    class Meta:
        verbose_name = _("收费明细")
        verbose_name_plural = _("收费明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class TicketMaterial(ProjectOwned):
    """Material used in a repair (for cost tracking; not necessarily charged)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("材料"), max_length=60)
    quantity = models.DecimalField(
        _("数量"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    cost = models.DecimalField(_("成本"), max_digits=10, decimal_places=2, default=Decimal("0.00"))

    objects = ChargeQuerySet.as_manager()

    class Meta:
        verbose_name = _("用料")
        verbose_name_plural = _("用料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# Follow-up calls (回访) -----------------------------------------------------------------------------


class FollowUpOutcome(models.TextChoices):
    PENDING = "pending", _("待回访")
    UNREACHABLE = "unreachable", _("联系不上")  # tried; another try is scheduled
    SATISFIED = "satisfied", _("满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    GAVE_UP = "gave_up", _("多次联系不上")
    CANCELLED = "cancelled", _("已撤销")  # the resident reopened the request before the call


FOLLOW_UP_OPEN = (FollowUpOutcome.PENDING, FollowUpOutcome.UNREACHABLE)
FOLLOW_UP_DONE = (FollowUpOutcome.SATISFIED, FollowUpOutcome.UNSATISFIED)


class FollowUpQuerySet(ScopedQuerySet):
    def for_resident(self, scope):
        return self.none()  # the desk's work list, not the resident's business

    def open(self):
        return self.filter(outcome__in=FOLLOW_UP_OPEN)


class FollowUpTask(ProjectOwned):
    """A call back to the resident after a repair is completed or a complaint answered (回访).

    Owned by the request's first-contact person; scheduled at the next moment outside quiet hours.
    ``round`` is the request's rework count when the task was made: one open task per round.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_up_tasks")
    round = models.SmallIntegerField(_("轮次"), default=0)
    owner = models.ForeignKey(
        "staff.StaffMember",
        on_delete=models.PROTECT,
        related_name="follow_up_tasks",
        verbose_name=_("回访负责人"),
    )
    scheduled_for = models.DateTimeField(_("计划回访时间"))
    attempts = models.PositiveSmallIntegerField(_("联系次数"), default=0)
    outcome = models.CharField(
        _("回访结果"), max_length=12, choices=FollowUpOutcome.choices, default=FollowUpOutcome.PENDING
    )
    last_attempt_at = models.DateTimeField(_("最近联系时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["scheduled_for", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "round"],
                condition=Q(outcome__in=["pending", "unreachable"]),
                name="follow_up_open_task_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["owner", "scheduled_for"],
                condition=Q(outcome__in=["pending", "unreachable"]),
                name="follow_up_open_owner_idx",
            ),
            models.Index(fields=["company", "project", "scheduled_for"], name="follow_up_project_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.round} {self.outcome}"

    @property
    def is_open(self) -> bool:
        return self.outcome in FOLLOW_UP_OPEN


# Each follow-up call and each round of rework as its own row (figures count them when they happen).
from guanjia.tickets.rounds import FollowUpCall, TicketRework  # noqa: E402, F401
