"""What the feedback services share: the present (one seam: tests and the demo patch
``common._now`` to act at the turn of a month), Asia/Shanghai months, and households per project."""

from __future__ import annotations

import datetime
import re

from django.db.models import Count
from django.utils import timezone

from guanjia.estates.models import Occupancy


def _now() -> datetime.datetime:
    """The present. One seam for every feedback service (read as ``common._now()``), so tests can
    cast cards at the turn of a month by patching it here."""
    return timezone.now()


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the Asia/Shanghai month ``moment`` falls in."""
    return timezone.localtime(moment).date().replace(day=1)


def parse_month(value) -> datetime.date | None:
    """``2026-11`` (or a date) → 2026-11-01; None if it is not a month."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{2})(-01)?", str(value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        return None
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def households(project_ids) -> dict[int, int]:
    """Households (units with an active occupancy) per project: one aggregate query."""
    rows = (
        Occupancy.objects.current()
        .filter(project_id__in=list(project_ids), unit__deleted_at__isnull=True)
        .values("project_id")
        .annotate(n=Count("unit_id", distinct=True))
    )
    return {row["project_id"]: row["n"] for row in rows}
