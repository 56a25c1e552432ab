"""What every stores service shares: the clock, number parsing, the company's purchasing policy."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.stores.models import StoresPolicy

MAX_QUANTITY = Decimal("9999999")
CENT = Decimal("0.01")


def now() -> datetime.datetime:
    """The present moment: the one seam demo data and tests move."""
    return timezone.now()


def decimal_in(value, field: str, *, positive: bool = True, allow_zero: bool = False) -> Decimal:
    """A quantity or price from input: a finite number with at most two decimals; > 0 unless
    ``allow_zero``; a 422 naming ``field`` otherwise."""
    if value is None or value == "":
        raise ValidationError({field: _("此项为必填项")})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("“%(value)s” 不是数字") % {"value": value}}) from None
    if not number.is_finite() or abs(number) > MAX_QUANTITY:
        raise ValidationError({field: _("数值超出范围")})
    if number != number.quantize(CENT):
        raise ValidationError({field: _("最多两位小数")})
    if positive and (number < 0 or (number == 0 and not allow_zero)):
        raise ValidationError({field: _("数量须大于 0") if not allow_zero else _("不能为负数")})
    return number.quantize(CENT)


def policy_for(company_id: int) -> StoresPolicy:
    """The company's purchasing rules (the defaults until someone changes them)."""
    policy = StoresPolicy.objects.filter(company_id=company_id).first()
    return policy or StoresPolicy(company_id=company_id)
