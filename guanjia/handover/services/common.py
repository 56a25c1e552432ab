"""What every handover service shares: the present, input checks, numbers, who to tell."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.roles import Role
from guanjia.staff.models import StaffMember

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def now() -> datetime.datetime:
    return timezone.now()


def text(data: dict, field: str, max_length: int, *, required: bool = True) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: _("此项为必填项")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多 %(n)s 个字") % {"n": max_length}})
    return value


def moment(data: dict, field: str) -> datetime.datetime:
    value = data.get(field)
    if isinstance(value, str) and value:
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("请填写时间，格式 YYYY-MM-DD HH:MM")}) from None
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: _("请填写时间，格式 YYYY-MM-DD HH:MM")})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # a time typed in the console is a Shanghai time
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


def reading(data: dict, field: str) -> Decimal | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("请填写读数")}) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e10"):
        raise ValidationError({field: _("读数须为不小于零的数")})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({field: _("读数最多两位小数")})
    return number


def id_number(data: dict, field: str = "owner_id_number") -> str:
    """A mainland resident ID number (18 characters, the last a check digit)."""
    value = str(data.get(field) or "").strip().upper()
    if not value:
        raise ValidationError({field: _("此项为必填项")})
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError({field: _("身份证号须为 18 位")})
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != value[17]:
        raise ValidationError({field: _("身份证号校验位不正确")})
    return value


def mask_id(value: str) -> str:
    """An ID number as lists show it: the first 3 and last 4 characters."""
    if not value:
        return ""
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:]


def number(prefix: str, model, company_id: int, at: datetime.datetime) -> str:
    """The next number of the company's day: ``<prefix><yymmdd>-<n>`` (unique; a race is a 409)."""
    day = timezone.localtime(at).strftime("%y%m%d")
    stem = f"{prefix}{day}-"
    count = model.objects.filter(company_id=company_id, number__startswith=stem).count()
    return f"{stem}{count + 1:03d}"


def _users(members) -> list:
    return [m.user for m in members.select_related("user").distinct() if m.user_id and m.user.is_active]


def managers(project_id: int) -> list:
    return _users(
        StaffMember.objects.filter(projects=project_id, deleted_at__isnull=True).with_role(
            Role.PROJECT_MANAGER
        )
    )


def admins(company_id: int) -> list:
    return _users(
        StaffMember.objects.filter(company_id=company_id, deleted_at__isnull=True).with_role(
            Role.COMPANY_ADMIN
        )
    )
