"""What every renovation service shares: the present, the timeline, input checks, who to tell."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.roles import Role
from guanjia.estates.models import Occupancy
from guanjia.renovation.models import Renovation, RenovationEvent
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember


def now() -> datetime.datetime:
    return timezone.now()


def review_time() -> datetime.timedelta:
    """How long each approval step may take before it escalates (``RENOVATION_REVIEW_HOURS``)."""
    return datetime.timedelta(hours=getattr(settings, "RENOVATION_REVIEW_HOURS", 48))


def stop_after() -> int:
    """How many violations stop a permit (``RENOVATION_STOP_AFTER_VIOLATIONS``)."""
    return int(getattr(settings, "RENOVATION_STOP_AFTER_VIOLATIONS", 3))


def event(renovation: Renovation, action: str, *, actor=None, note: str = "", at=None) -> RenovationEvent:
    return RenovationEvent.objects.create(
        company_id=renovation.company_id,
        project_id=renovation.project_id,
        renovation=renovation,
        time=at or now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        note=(note or "")[:300],
    )


def text(data: dict, field: str, max_length: int, *, required: bool = True) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: _("此项为必填项")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多 %(n)s 个字") % {"n": max_length}})
    return value


def date(data: dict, field: str) -> datetime.date:
    value = data.get(field)
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        raise ValidationError({field: _("请填写日期，格式 YYYY-MM-DD")}) from None


def amount(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("请填写金额")}) from None
    if not number.is_finite() or number <= 0:
        raise ValidationError({field: _("金额必须大于零")})
    if number != number.quantize(Decimal("0.01")) or number >= Decimal("1e10"):
        raise ValidationError({field: _("金额最多两位小数")})
    return number


def flag(data: dict, field: str) -> bool:
    value = data.get(field)
    if isinstance(value, str):
        return value.lower() in {"1", "true", "on", "yes"}
    return bool(value)


# Who is told ------------------------------------------------------------------------------------


def _users(members) -> list:
    return [m.user for m in members.select_related("user").distinct() if m.user_id and m.user.is_active]


def project_staff(project_id: int, role: str):
    return StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True).with_role(role)


def engineers(project_id: int) -> list:
    """The engineering heads serving the project: they decide the engineering step."""
    heads = project_staff(project_id, Role.DEPARTMENT_HEAD).filter(department=Department.ENGINEERING)
    return _users(heads)


def managers(project_id: int) -> list:
    return _users(project_staff(project_id, Role.PROJECT_MANAGER))


def admins(company_id: int) -> list:
    members = StaffMember.objects.filter(company_id=company_id, deleted_at__isnull=True).with_role(
        Role.COMPANY_ADMIN
    )
    return _users(members)


def unit_users(renovation: Renovation) -> list:
    """The residents' logins of the unit (the owner who applied among them)."""
    occupancies = (
        Occupancy.objects.current().filter(unit_id=renovation.unit_id).select_related("resident__user")
    )
    users = {o.resident.user for o in occupancies if o.resident.user_id}
    return [u for u in users if u.is_active]
