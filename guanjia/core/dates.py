"""Date ranges given in input (figures, reports): checked once, the same way everywhere."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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

    Empty ``to`` is today; empty ``from`` is ``default_days`` before ``to``. A bad date, a reversed
    range or one longer than ``max_days`` is a ValidationError naming the field, together with any
    ``errors`` the caller already found in its other parameters."""
    errors = dict(errors or {})
    dates = {}
    for field, value in (("from", start), ("to", end)):
        if value in (None, ""):
            dates[field] = None
        elif isinstance(value, datetime.date):
            dates[field] = value
        else:
            try:
                dates[field] = datetime.date.fromisoformat(str(value))
            except ValueError:
                errors[field] = _("日期格式应为 YYYY-MM-DD")
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
