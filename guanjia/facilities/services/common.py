"""What every part of facilities' services shares: the clock, the company's time zone, QR tokens,
number parsing, the people to notify, and dropping untouched future tasks.

The clock is one seam: every module calls ``common._now()`` (never ``from … import _now``), so
demo seeding and tests set the time for all of facilities by patching this module alone.
"""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.roles import Role
from guanjia.core.scoping import scope_for
from guanjia.facilities.choices import TaskStatus
from guanjia.staff.models import StaffMember


def _now() -> datetime.datetime:
    """The present moment. One seam, so demo data can be laid out over past months."""
    return timezone.now()


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of a calendar day in the company's time zone (Asia/Shanghai), as an aware moment."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_zone())


def _local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(_zone()).date()


def new_token() -> str:
    return secrets.token_urlsafe(12)[:16]


def _staff_of(user) -> StaffMember | None:
    staff_id = scope_for(user).staff_id
    return StaffMember.objects.filter(pk=staff_id).first() if staff_id else None


def _decimal(value, field: str, *, places: str = "0.01") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: _("“%(value)s” 不是数字") % {"value": value}}) from None
    if not number.is_finite() or abs(number) >= Decimal("1000000000"):
        raise ValidationError({field: _("数值无效")})
    return number.quantize(Decimal(places))


def _users(staff_qs) -> list:
    return [s.user for s in staff_qs.select_related("user") if s.user_id and s.user.is_active]


def _heads(project_id: int, department: str) -> list:
    return _users(
        StaffMember.objects.filter(
            projects=project_id,
            department=department,
            roles__role=Role.DEPARTMENT_HEAD,
            deleted_at__isnull=True,
        ).distinct()
    )


def _managers(project_id: int) -> list:
    return _users(
        StaffMember.objects.filter(
            projects=project_id, roles__role=Role.PROJECT_MANAGER, deleted_at__isnull=True
        ).distinct()
    )


def _drop_future_tasks(tasks) -> int:
    """Remove generated tasks whose period has not begun and that nobody has touched."""
    today = _local_date(_now())
    doomed = tasks.filter(period_start__gt=today, status=TaskStatus.PENDING, scanned_at__isnull=True)
    count = 0
    for task in doomed:
        task.delete()
        count += 1
    return count
