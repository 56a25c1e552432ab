"""Clock-in and clock-out at a post (its QR code opens the page on the person's phone), late and
absent by the company's rule, and the head's corrections with a reason."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service
from guanjia.rotas.choices import ShiftStatus
from guanjia.rotas.models import AttendanceCorrection, Post, Shift
from guanjia.rotas.services.common import require_lead, rule_for


def _minutes(delta: datetime.timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def worked_minutes(shift: Shift) -> int:
    """Minutes worked inside the shift's planned span (early arrival or staying on is not counted)."""
    if shift.clock_in_at is None or shift.clock_out_at is None:
        return 0
    return _minutes(min(shift.clock_out_at, shift.ends_at) - max(shift.clock_in_at, shift.starts_at))


def post_by_token(token: str) -> Post:
    post = Post.objects.select_related("project").filter(qr_token=token or "", is_active=True).first()
    if post is None:
        raise ValidationError({"token": _("打卡码无效或已更换")})
    return post


def clockable_shift(*, actor, post: Post, now: datetime.datetime) -> Shift:
    """The person's shift at this post that may be clocked now (started or starting soon, not over)."""
    scope = scope_for(actor)
    if scope.staff_id is None or scope.company_id != post.company_id:
        raise ValidationError({"token": _("这是其他公司项目的打卡码，不能在此打卡")})
    early = datetime.timedelta(minutes=rule_for(post.company_id).early_minutes)
    shift = (
        Shift.objects.filter(post=post, staff_id=scope.staff_id, starts_at__lte=now + early)
        .filter(
            Q(ends_at__gt=now)
            | Q(clock_in_at__isnull=False, clock_out_at__isnull=True, ends_at__gt=now - early)
        )
        .exclude(status=ShiftStatus.ABSENT)
        .order_by("starts_at")
        .first()
    )
    if shift is None:
        raise ValidationError({"token": _("您现在在岗位「%(post)s」没有可打卡的班次") % {"post": post.name}})
    return shift


def _place(lat, lng) -> tuple[float | None, float | None]:
    if lat is None or lng is None:
        return None, None
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationError({"lat": _("位置无效")}) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"lat": _("位置无效")})
    return lat, lng


@service
def clock(*, actor, token: str, lat=None, lng=None, now: datetime.datetime | None = None) -> Shift:
    """Clock in (first scan) or out (second scan) at the post whose code was scanned."""
    now = now or timezone.now()
    post = post_by_token(token)
    lat, lng = _place(lat, lng)
    shift = lock(clockable_shift(actor=actor, post=post, now=now))
    if shift.clock_in_at is None:
        grace = datetime.timedelta(minutes=rule_for(shift.company_id).grace_minutes)
        shift.clock_in_at, shift.clock_in_lat, shift.clock_in_lng = now, lat, lng
        if now > shift.starts_at + grace:
            shift.status, shift.late_minutes = ShiftStatus.LATE, _minutes(now - shift.starts_at)
        else:
            shift.status = ShiftStatus.PRESENT
    elif shift.clock_out_at is None:
        shift.clock_out_at, shift.clock_out_lat, shift.clock_out_lng = now, lat, lng
        shift.worked_minutes = worked_minutes(shift)
    else:
        raise Conflict(_("本班次已完成上下班打卡"))
    return save_validated(shift)


def mark_absent(*, now: datetime.datetime | None = None) -> int:
    """Shifts that ended without a clock-in are absent (a job). Each row is claimed with a conditional
    update, so a second run or worker marks nothing twice; every marked row is journaled."""
    now = now or timezone.now()
    due = Shift.objects.filter(status=ShiftStatus.PLANNED, clock_in_at__isnull=True, ends_at__lte=now)
    marked = []
    for shift in due.order_by("ends_at")[:2000]:
        with transaction.atomic():
            won = Shift.objects.filter(
                pk=shift.pk, status=ShiftStatus.PLANNED, clock_in_at__isnull=True
            ).update(status=ShiftStatus.ABSENT, updated_at=now)
            if won:
                journal.journal_bulk_update([(shift, {"status": [ShiftStatus.PLANNED, ShiftStatus.ABSENT]})])
                marked.append(shift.pk)
    return len(marked)


CORRECTABLE = ("status", "clock_in_at", "clock_out_at")


@service
def shift_correct(*, actor, shift: Shift, data: dict, reason: str) -> Shift:
    """The head corrects a shift's attendance (status, clock times) with a reason, journaled."""
    require_lead(actor, shift.post)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写更正原因")})
    unknown = set(data) - set(CORRECTABLE)
    if unknown:
        raise ValidationError({k: _("不可修改此字段") for k in unknown})
    shift = lock(shift)
    if scope_for(actor).staff_id == shift.staff_id:
        raise NotAllowed(_("不能更正自己的考勤"))
    before = {k: getattr(shift, k) for k in CORRECTABLE}
    for key, value in data.items():
        setattr(shift, key, value)
    if shift.status not in ShiftStatus.values:
        raise ValidationError({"status": _("无效的考勤状态")})
    if shift.clock_in_at and shift.clock_out_at and shift.clock_out_at <= shift.clock_in_at:
        raise ValidationError({"clock_out_at": _("下班时间须晚于上班时间")})
    if shift.status == ShiftStatus.ABSENT:
        shift.clock_in_at = shift.clock_out_at = None
    elif shift.status == ShiftStatus.PRESENT:
        shift.late_minutes = 0
    elif shift.status == ShiftStatus.LATE and shift.clock_in_at:
        shift.late_minutes = _minutes(shift.clock_in_at - shift.starts_at)
    shift.worked_minutes = worked_minutes(shift)
    save_validated(shift)
    after = {k: getattr(shift, k) for k in CORRECTABLE}
    AttendanceCorrection.objects.create(
        company_id=shift.company_id,
        project_id=shift.project_id,
        shift=shift,
        corrected_by=actor,
        reason=reason[:200],
        changes={k: [_iso(before[k]), _iso(after[k])] for k in CORRECTABLE if before[k] != after[k]},
    )
    return shift


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
