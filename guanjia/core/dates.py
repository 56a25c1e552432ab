"""Dates given in input: checked once, the same way everywhere.

Every date or time a person or client sends lies between ``FIRST_DAY`` and ``LAST_DAY``. Python's
dates run from year 1 to 9999, so ``0001-01-01`` or ``9999-12-31`` parse, but the first step of
any range query (the start of the day in Asia/Shanghai, in UTC; the day after the last) overflows.
No property record is dated outside these years, so such a date is bad input: 422 naming the
field in the API (``core.api.Schema``), a form error in the console (every form's date and time
fields, see ``CoreConfig.ready``) and in ``date_range`` below.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


def out_of_range_message() -> str:
    return _("日期须在 %(first)s 至 %(last)s 之间") % {
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }


def in_range(value) -> bool:
    """A date or time (naive or aware; compared by its calendar day) within the accepted years."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return not isinstance(value, datetime.date) or FIRST_DAY <= value <= LAST_DAY


def validate_day(value) -> None:
    """A Django validator: every form's date and date-time fields carry it (``CoreConfig.ready``)."""
    if not in_range(value):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")


def date_range(
    start,
    end,
    *,
    today: datetime.date,
    default_days: int,
    max_days: int,
    errors: dict | None = None,
) -> tuple[datetime.date, datetime.date]:
    """``from``/``to`` (dates or ISO strings, either may be empty) → (start, end), both included.

    Empty ``to`` is today; empty ``from`` is ``default_days`` before ``to``. A bad date, one outside
    ``FIRST_DAY``–``LAST_DAY``, a reversed range or one longer than ``max_days`` is a
    ValidationError naming the field, together with any ``errors`` the caller already found in its
    other parameters."""
    errors = dict(errors or {})
    dates = {}
    for field, value in (("from", start), ("to", end)):
        if value in (None, ""):
            dates[field] = None
            continue
        if isinstance(value, datetime.date):
            dates[field] = value
        else:
            try:
                dates[field] = datetime.date.fromisoformat(str(value))
            except ValueError:
                errors[field] = _("日期格式应为 YYYY-MM-DD")
                continue
        if not in_range(dates[field]):
            errors[field] = out_of_range_message()
    if errors:
        raise ValidationError(errors)
    end = dates["to"] or today
    try:
        start = dates["from"] or end - datetime.timedelta(days=default_days - 1)
    except OverflowError:  # a "to" in the first days of year 1 leaves no room for the default span
        raise ValidationError({"to": _("日期超出可统计的范围")}) from None
    if start > end:
        raise ValidationError({"from": _("开始日期不能晚于结束日期")})
    if (end - start).days >= max_days:
        raise ValidationError({"from": _("统计区间最长 %(days)s 天") % {"days": max_days}})
    return start, end
