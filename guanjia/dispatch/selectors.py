"""Reads for the desk's dispatch work."""

from __future__ import annotations

import datetime

from django.db.models import Case, F, IntegerField, Value, When
from django.utils.translation import gettext as _

from guanjia.tickets import clocks
from guanjia.tickets.choices import Priority, Status
from guanjia.tickets.selectors import tickets_for


def dispatch_queue(user):
    """The dispatch queue: received requests nobody has been sent to yet that the user may see,
    most pressing first — urgent before ordinary, then by the earliest running deadline (the late
    ones, already past, come first; then the least time left), requests without a clock after those,
    oldest first. ``due_at`` is that deadline (None: no clock runs)."""
    urgent_first = Case(
        When(priority=Priority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        tickets_for(user)
        .filter(status=Status.RECEIVED, assignee__isnull=True)
        .annotate(due_at=clocks.next_due(), urgent_rank=urgent_first)
        .order_by("urgent_rank", F("due_at").asc(nulls_last=True), "received_at", "id")
    )


def _duration(minutes: int) -> str:
    """12 分钟 / 2 小时 5 分 / 3 天 4 小时: as precise as the desk needs at that distance."""
    if minutes < 60:
        return _("%(m)s 分钟") % {"m": minutes}
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)s 小时 %(m)s 分") % {"h": hours, "m": mins} if mins else _("%(h)s 小时") % {"h": hours}
    days, hours = divmod(hours, 24)
    return _("%(d)s 天 %(h)s 小时") % {"d": days, "h": hours} if hours else _("%(d)s 天") % {"d": days}


def due_label(due_at: datetime.datetime | None, now: datetime.datetime) -> tuple[str, str]:
    """The queue row's clock: (``overdue`` | ``due`` | ``""``, "超时 1 小时 5 分" / "剩余 12 分钟")."""
    if due_at is None:
        return "", ""
    seconds = (due_at - now).total_seconds()
    if seconds < 0:
        return "overdue", _("超时 %(time)s") % {"time": _duration(int(-seconds // 60) or 1)}
    return "due", _("剩余 %(time)s") % {"time": _duration(int(seconds // 60))}
