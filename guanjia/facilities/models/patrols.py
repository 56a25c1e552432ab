"""Patrols (巡查/巡更): routes with their ordered checkpoints, the rounds walked at set times, the
scans, the checkpoints missed, and what was found on the way."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.facilities.choices import RoundStatus, RouteKind
from guanjia.staff.choices import Department


class PatrolRoute(ProjectOwned):
    """A patrol route (巡查/巡更路线): ordered checkpoints walked in rounds at set times by a shift."""

    name = models.CharField(_("路线名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=16, choices=RouteKind.choices, default=RouteKind.OTHER)
    department = models.CharField(_("执行班组"), max_length=12, choices=Department.choices)
    # "22:00,01:00,04:00": one round starts at each of these local times on the listed weekdays.
    round_times = models.CharField(_("每轮开始时间"), max_length=100, help_text=_("如 22:00,01:00"))
    window_minutes = models.PositiveSmallIntegerField(
        _("每轮时限(分钟)"), default=60, validators=[MinValueValidator(5), MaxValueValidator(720)]
    )
    weekdays = models.CharField(_("星期"), max_length=7, default="0123456", help_text=_("0 为周一"))
    supervisor = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("主管"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    # Rounds ending before this moment are never generated (a new route does not start behind).
    rounds_from = models.DateTimeField(editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查路线")
        verbose_name_plural = _("巡查路线")
        ordering = ["project_id", "name"]

    def __str__(self) -> str:
        return self.name


class Checkpoint(ProjectOwned):
    """A point on a route, marked on site by a QR label that the patroller scans."""

    route = models.ForeignKey(PatrolRoute, on_delete=models.CASCADE, related_name="checkpoints")
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("巡查点"), max_length=60)
    building = models.ForeignKey(
        "estates.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    place = models.CharField(_("位置"), max_length=100, blank=True)
    # The expected time of this point within a round, in minutes after the round starts (both empty =
    # the round's whole window). A scan outside it is marked out of window.
    expected_from = models.PositiveSmallIntegerField(
        _("预计最早(分钟)"), null=True, blank=True, validators=[MaxValueValidator(720)]
    )
    expected_to = models.PositiveSmallIntegerField(
        _("预计最晚(分钟)"), null=True, blank=True, validators=[MaxValueValidator(720)]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    qr_token = models.CharField(max_length=24, unique=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查点")
        verbose_name_plural = _("巡查点")
        ordering = ["route_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "position"], name="facilities_checkpoint_order")
        ]

    def __str__(self) -> str:
        return self.name


class PatrolRound(ProjectOwned):
    """One round of a route at one time: the window it must be walked in and who walks it."""

    route = models.ForeignKey(PatrolRoute, on_delete=models.PROTECT, related_name="rounds")
    window_start = models.DateTimeField(_("开始时间"))
    window_end = models.DateTimeField(_("截止时间"))
    assignee = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("巡查人"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.PLANNED
    )
    checkpoint_count = models.PositiveSmallIntegerField(_("巡查点数"), default=0)
    scanned_count = models.PositiveSmallIntegerField(_("已扫点数"), default=0)
    missed_count = models.PositiveSmallIntegerField(_("漏检点数"), default=0)
    irregular_count = models.PositiveSmallIntegerField(_("异常扫码"), default=0)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The route's checkpoints when the round was generated: [{"id", "position", "name", "from", "to"}].
    # Later edits of the route (reorder, remove, new windows) do not change a generated round.
    checkpoint_plan = models.JSONField(default=list, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查轮次")
        verbose_name_plural = _("巡查轮次")
        ordering = ["-window_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["route", "window_start"], name="facilities_round_once"),
        ]
        indexes = [
            models.Index(fields=["company", "project", "window_start"], name="facilities_round_time_idx"),
            models.Index(fields=["closed_at", "window_end"], name="facilities_round_close_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id} {self.window_start:%Y-%m-%d %H:%M}"

    @property
    def on_time(self) -> bool:
        return self.status == RoundStatus.COMPLETED and self.irregular_count == 0


class CheckpointScan(ProjectOwned):
    """A checkpoint scanned in a round: when, by whom, and whether in the window and in order."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="scans")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    scanned_at = models.DateTimeField(_("扫码时间"))
    scanned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey("staff.StaffMember", null=True, on_delete=models.SET_NULL, related_name="+")
    in_window = models.BooleanField(_("在时段内"), default=True)
    in_order = models.BooleanField(_("按顺序"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查扫码")
        verbose_name_plural = _("巡查扫码")
        ordering = ["scanned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "checkpoint"], name="facilities_scan_once")]


class MissedCheckpoint(ProjectOwned):
    """A checkpoint not scanned when its round's window closed; flagged exactly once."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="missed")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey("staff.StaffMember", null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("漏检记录")
        verbose_name_plural = _("漏检记录")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "checkpoint"], name="facilities_missed_once")]


class PatrolFinding(ProjectOwned):
    """Something wrong found at a checkpoint; it became a service request (kind patrol)."""

    round = models.ForeignKey(PatrolRound, on_delete=models.PROTECT, related_name="findings")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="+")
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["-id"]
