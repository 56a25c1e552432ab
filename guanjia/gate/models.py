"""The gate (门岗): visitors, vehicles, parking and access cards of an estate (SPEC §7; seed 000
§安全管理 and the vehicle-accident plan's vehicle register).

Project → Gate; Unit → VisitorPass, Vehicle, ParkingSpace, AccessCard; the gate's day is its
``GateLogEntry`` rows (every check-in and out, temporary vehicle, card swipe or refusal).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import ProjectOwned
from guanjia.core.scoping import ScopedQuerySet
from guanjia.estates.models import Occupancy
from guanjia.gate.choices import (
    GateKind,
    GateLogKind,
    HolderKind,
    PassKind,
    PassState,
    PayMethod,
    RevokeReason,
    SpaceKind,
)
from guanjia.gate.plates import validate_plate


def _resident_units(scope):
    return Occupancy.objects.filter(resident_id=scope.resident_id).current().values("unit_id")


class ThroughUnitQuerySet(ScopedQuerySet):
    """Residents see the rows of the units where they live now; staff those of their projects."""

    def for_resident(self, scope):
        return self.filter(unit_id__in=_resident_units(scope))


class Gate(ProjectOwned):
    """A gate of an estate (南门、地库车行口): where guards check people and cars in and out, and where
    an access-control or barrier system may read the allow-lists and post what it saw (the device
    token: only its SHA-256 is stored, shown once when issued)."""

    name = models.CharField(_("门岗名称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=12, choices=GateKind.choices, default=GateKind.BOTH)
    active = models.BooleanField(_("启用"), default=True)
    device_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    device_token_prefix = models.CharField(_("设备令牌前缀"), max_length=8, blank=True)

    objects = ScopedQuerySet.as_manager()
    journal_exclude = ("updated_at", "device_token_hash")

    class Meta:
        verbose_name = _("门岗")
        verbose_name_plural = _("门岗")
        ordering = ["project_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="gate_name_unique")]

    def __str__(self) -> str:
        return self.name


class VisitorPass(ProjectOwned):
    """A visitor's pass (访客通行证): pre-registered by a resident for one of their units (shared as a
    QR code carrying ``token``), or registered by the guard for a walk-in after calling the household.
    Checked in and out once; the guard sees its state (``state``)."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    kind = models.CharField(_("来源"), max_length=10, choices=PassKind.choices, default=PassKind.INVITED)
    host = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("邀请住户"),
    )
    visitor_name = models.CharField(_("访客姓名"), max_length=40)
    visitor_phone = models.CharField(_("访客电话"), max_length=20, blank=True)
    plate = models.CharField(_("车牌号"), max_length=8, blank=True, validators=[validate_plate])
    people = models.PositiveSmallIntegerField(_("人数"), default=1, validators=[MinValueValidator(1)])
    valid_from = models.DateTimeField(_("有效期自"))
    valid_until = models.DateTimeField(_("有效期至"))
    # What the QR code carries: unguessable, never the id.
    token = models.CharField(max_length=43, unique=True)
    # A walk-in: who in the household confirmed on the phone, and why the visitor came.
    confirmed_by = models.CharField(_("电话确认人"), max_length=40, blank=True)
    reason = models.CharField(_("来访事由"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    checked_in_at = models.DateTimeField(_("入场时间"), null=True, blank=True)
    checked_in_gate = models.ForeignKey(
        Gate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("入场门岗")
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("入场核验人"),
    )
    checked_out_at = models.DateTimeField(_("离场时间"), null=True, blank=True)
    checked_out_gate = models.ForeignKey(
        Gate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("离场门岗")
    )
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = ThroughUnitQuerySet.as_manager()
    journal_exclude = ("updated_at", "token")

    class Meta:
        verbose_name = _("访客通行证")
        verbose_name_plural = _("访客通行证")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")),
                name="visitor_pass_window",
                violation_error_message=_("结束时间必须晚于开始时间"),
            )
        ]
        indexes = [models.Index(fields=["project", "valid_from"], name="visitor_pass_project_idx")]

    def __str__(self) -> str:
        return self.visitor_name

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return PassState.REVOKED
        if self.checked_out_at is not None:
            return PassState.USED
        if self.checked_in_at is not None:
            return PassState.INSIDE
        if now < self.valid_from:
            return PassState.NOT_YET
        if now >= self.valid_until:
            return PassState.EXPIRED
        return PassState.VALID

    def state_label(self) -> str:
        return PassState(self.state()).label


class Vehicle(ProjectOwned):
    """A resident's vehicle (住户车辆) registered to a unit: the vehicle register the gate checks and
    the vehicle-accident plan reads (who owns the car that hit the barrier)."""

    unit = models.ForeignKey(
        "estates.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    owner = models.ForeignKey(
        "estates.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("车主"),
    )
    plate = models.CharField(_("车牌号"), max_length=8, validators=[validate_plate])
    model_name = models.CharField(_("品牌型号"), max_length=40, blank=True)
    color = models.CharField(_("颜色"), max_length=10, blank=True)
    note = models.CharField(_("备注"), max_length=100, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    objects = ThroughUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("住户车辆")
        verbose_name_plural = _("住户车辆")
        ordering = ["project_id", "plate", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "plate"], condition=Q(active=True), name="vehicle_plate_unique"
            )
        ]

    def __str__(self) -> str:
        return self.plate


class ParkingSpace(ProjectOwned):
    """A parking space (车位): owned by a unit, rented to one (its monthly rent billed through the fee
    ledger as the unit's registration for the rent item), or for temporary parking."""

    number = models.CharField(_("车位号"), max_length=20)
    kind = models.CharField(_("类型"), max_length=10, choices=SpaceKind.choices, default=SpaceKind.TEMPORARY)
    unit = models.ForeignKey(
        "estates.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("房屋"),
    )
    monthly_rent = models.DecimalField(_("月租金(元)"), max_digits=9, decimal_places=2, null=True, blank=True)
    rented_from = models.DateField(_("租期起"), null=True, blank=True)
    # The unit's registration for the rent item in billing (``billing.UnitCharge``): monthly bills.
    unit_charge = models.ForeignKey(
        "billing.UnitCharge", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ThroughUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("车位")
        verbose_name_plural = _("车位")
        ordering = ["project_id", "number", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="parking_space_unique")]

    def __str__(self) -> str:
        return self.number


class ParkingTariff(ProjectOwned):
    """A project's tariff for temporary vehicles: the first minutes free, then per started hour, at
    most ``daily_cap`` per 24 hours (``fees.parking_fee``)."""

    free_minutes = models.PositiveSmallIntegerField(_("免费时长(分钟)"), default=30)
    per_hour = models.DecimalField(
        _("每小时(元)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(0)],
    )
    daily_cap = models.DecimalField(
        _("每日封顶(元)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("40.00"),
        validators=[MinValueValidator(0)],
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("临时停车收费标准")
        verbose_name_plural = _("临时停车收费标准")
        constraints = [models.UniqueConstraint(fields=["project"], name="parking_tariff_one_per_project")]

    def __str__(self) -> str:
        return f"{self.project_id}"


class TemporaryVisit(ProjectOwned):
    """A temporary vehicle's stay (临时车): in at a gate, out at a gate, the fee from the project's
    tariff, paid at the exit to the guard on duty (the cashier)."""

    plate = models.CharField(_("车牌号"), max_length=8, validators=[validate_plate])
    entered_at = models.DateTimeField(_("入场时间"))
    entry_gate = models.ForeignKey(
        Gate, on_delete=models.PROTECT, related_name="+", verbose_name=_("入场门岗")
    )
    left_at = models.DateTimeField(_("出场时间"), null=True, blank=True)
    exit_gate = models.ForeignKey(
        Gate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("出场门岗")
    )
    fee = models.DecimalField(_("应收(元)"), max_digits=9, decimal_places=2, null=True, blank=True)
    paid = models.DecimalField(_("实收(元)"), max_digits=9, decimal_places=2, null=True, blank=True)
    pay_method = models.CharField(_("付款方式"), max_length=10, choices=PayMethod.choices, blank=True)
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("收费员"),
    )
    visitor_pass = models.ForeignKey(
        VisitorPass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("访客通行证"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("临时车进出")
        verbose_name_plural = _("临时车进出")
        ordering = ["-entered_at", "-id"]
        constraints = [
            # A car is inside once: a second entry while the first is open is a conflict.
            models.UniqueConstraint(
                fields=["project", "plate"],
                condition=Q(left_at__isnull=True),
                name="temporary_visit_one_open",
            )
        ]

    def __str__(self) -> str:
        return self.plate


class BlacklistedPlate(ProjectOwned):
    """A plate the gate must not let in without a supervisor (黑名单): the guard page warns."""

    plate = models.CharField(_("车牌号"), max_length=8, validators=[validate_plate])
    reason = models.CharField(_("原因"), max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    active = models.BooleanField(_("有效"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("车辆黑名单")
        verbose_name_plural = _("车辆黑名单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "plate"], condition=Q(active=True), name="blacklist_plate_unique"
            )
        ]

    def __str__(self) -> str:
        return self.plate


class AccessCardQuerySet(ThroughUnitQuerySet):
    def for_resident(self, scope):
        return self.filter(Q(resident_id=scope.resident_id) | Q(unit_id__in=_resident_units(scope)))

    def valid(self, today=None):
        today = today or timezone.localdate()
        return self.filter(revoked_at__isnull=True, valid_from__lte=today).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )


class AccessCard(ProjectOwned):
    """An access card (门禁卡) issued to a resident, a staff member or a contractor's worker (linked to
    the renovation's worker pass, whose validity it follows). Revoked on move-out, departure or
    expiry; a revoked card waits on the guard's "to deactivate" list until it is switched off in the
    access-control system (``deactivated_at``)."""

    number = models.CharField(_("卡号"), max_length=32)
    holder_kind = models.CharField(_("持卡人类型"), max_length=12, choices=HolderKind.choices)
    holder_name = models.CharField(_("持卡人"), max_length=60)
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
        verbose_name=_("住户"),
    )
    staff = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("员工"),
    )
    worker_pass = models.ForeignKey(
        "renovation.WorkerPass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("施工出入证"),
    )
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("注销原因"), max_length=12, choices=RevokeReason.choices, blank=True)
    deactivated_at = models.DateTimeField(_("门禁系统已停用"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("停用人"),
    )

    objects = AccessCardQuerySet.as_manager()

    class Meta:
        verbose_name = _("门禁卡")
        verbose_name_plural = _("门禁卡")
        ordering = ["project_id", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], condition=Q(revoked_at__isnull=True), name="access_card_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="access_card_window",
                violation_error_message=_("有效期至不能早于有效期自"),
            ),
        ]
        indexes = [models.Index(fields=["project", "revoked_at", "deactivated_at"], name="card_todo_idx")]

    def __str__(self) -> str:
        return self.number


class GateLogEntry(ProjectOwned):
    """One line of a gate's log (门岗登记): a visitor or a vehicle in or out, a card swiped, a refusal;
    by a guard or posted by the gate's device (once per ``device_event_id``)."""

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="log", verbose_name=_("门岗"))
    time = models.DateTimeField(_("时间"))
    kind = models.CharField(_("事件"), max_length=12, choices=GateLogKind.choices)
    visitor_pass = models.ForeignKey(
        VisitorPass,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("访客"),
    )
    plate = models.CharField(_("车牌号"), max_length=8, blank=True)
    card_number = models.CharField(_("卡号"), max_length=32, blank=True)
    unit = models.ForeignKey(
        "estates.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("房屋"),
    )
    guard = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("值班人"),
    )
    device_event_id = models.CharField(_("设备事件号"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("门岗记录")
        verbose_name_plural = _("门岗记录")
        ordering = ["-time", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gate", "device_event_id"],
                condition=~Q(device_event_id=""),
                name="gate_log_device_event_once",
            )
        ]
        indexes = [models.Index(fields=["gate", "time"], name="gate_log_gate_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.time:%Y-%m-%d %H:%M}"
