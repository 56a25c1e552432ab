"""What every fee service shares: the present (one seam for tests), accounting periods
(``YYYY-MM``), amounts of money as given, and the one way a ledger entry is written.

The ledger is append-only: nothing in this package updates or deletes a ``LedgerEntry``.
"""

from __future__ import annotations

import calendar
import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing.models import LedgerEntry
from guanjia.billing.selectors import q2

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _now() -> datetime.datetime:
    """The present: the one seam every fee service reads, so tests and the demo seeding can patch
    ``common._now`` to act at another moment."""
    return timezone.now()


def current_period(now: datetime.datetime | None = None) -> str:
    return timezone.localtime(now or _now()).strftime("%Y-%m")


def check_period(period: str, field: str = "period") -> str:
    if not isinstance(period, str) or not PERIOD_RE.match(period):
        raise ValidationError({field: _("账期格式应为 YYYY-MM，如 2026-11")})
    return period


def period_end(period: str) -> datetime.date:
    year, month = int(period[:4]), int(period[5:])
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _money(value, field: str, *, positive: bool = True, allow_negative: bool = False) -> Decimal:
    """An amount of money as given: a number with at most two decimals (never rounded silently)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("请输入金额")}) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("金额最多两位小数")})
    if abs(amount) >= Decimal("1000000000000"):
        raise ValidationError({field: _("金额过大")})
    if allow_negative:
        if amount == 0:
            raise ValidationError({field: _("金额不能为零")})
    elif positive and amount <= 0:
        raise ValidationError({field: _("金额必须大于零")})
    return q2(amount)


def _entry(*, kind, amount, actor, now, unit=None, bill=None, payment=None, correction=None, reason=""):
    unit_id = bill.unit_id if bill is not None else (payment.unit_id if payment is not None else unit.pk)
    source = bill or payment or unit
    entry = LedgerEntry(
        company_id=source.company_id,
        project_id=source.project_id,
        unit_id=unit_id,
        bill=bill,
        payment=payment,
        correction=correction,
        kind=kind,
        amount=q2(amount),
        period=bill.period if bill is not None else "",
        time=now,
        actor=actor,
        reason=reason[:200],
    )
    entry.save()
    return entry
