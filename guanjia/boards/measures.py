"""What the boards and the figures both count with: the scores, the stages, rates and means, the
Shanghai day (kept apart so neither module grows past its size)."""

from __future__ import annotations

import datetime
import functools
import zoneinfo

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils.translation import get_language

from guanjia.sla.choices import Stage

SCORES = (1, 2, 3, 4, 5)
SATISFACTION_DAYS = 30
DUE_SOON = datetime.timedelta(hours=1)


def local_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_tz())


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(total: float | int | None, count: int, digits: int = 2) -> float | None:
    return round(total / count, digits) if count and total is not None else None


def _score_counts(field: str, since_q: Q) -> dict:
    """Conditional counts of one score column, 1–5, plus its sum and count — one aggregate."""
    scored = since_q & Q(**{f"{field}__isnull": False})
    out = {
        f"{field}_n": Count("id", filter=scored),
        f"{field}_sum": Sum(field, filter=scored),
    }
    for s in SCORES:
        out[f"{field}_{s}"] = Count("id", filter=since_q & Q(**{field: s}))
    return out


def _satisfaction(row: dict, field: str) -> dict:
    count, total, *scores = _score_names(field)
    n = row[count] or 0
    return {
        "count": n,
        "mean": _mean(row[total], n),
        "distribution": [row[score] or 0 for score in scores],
    }


@functools.lru_cache(maxsize=8)
def _score_names(field: str) -> tuple[str, ...]:
    """``_score_counts``'s names for ``field``: its count, its sum, then each score's count."""
    return (f"{field}_n", f"{field}_sum", *(f"{field}_{s}" for s in SCORES))


def _stage_counts(counts: dict[str, int]) -> list[dict]:
    return [{"stage": stage, "label": label, "count": counts.get(stage, 0)} for stage, label in _stages()]


def _stages() -> tuple[tuple[str, str], ...]:
    """The stages with their labels in the request's language (translated once per language: the
    boards and figures show them on every row, and each translation lookup costs ~10 µs)."""
    return _stages_in(get_language())


@functools.lru_cache(maxsize=16)
def _stages_in(language: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((s.value, str(s.label)) for s in Stage)


# ---------------------------------------------------------------------------------------------
# Project board
