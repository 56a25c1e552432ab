"""Quality figures: aggregate queries over what the user may see, constant in the number of projects."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.dates import date_range
from guanjia.quality.choices import AuditStatus, CaStatus, Outcome
from guanjia.quality.models import Audit, AuditResult, CorrectiveAction, NonConformance


def _month(value) -> str:
    return (
        timezone.localtime(value).strftime("%Y-%m")
        if hasattr(value, "tzinfo") and value.tzinfo
        else (value.strftime("%Y-%m"))
    )


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


DEFAULT_DAYS = 365
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class FigureRange:
    start: datetime.date
    end: datetime.date

    @property
    def since(self) -> datetime.datetime:
        """The first moment of ``start`` in the company's time zone (times are stored in UTC)."""
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def until(self) -> datetime.datetime:
        """The first moment after ``end``."""
        return timezone.make_aware(
            datetime.datetime.combine(self.end, datetime.time.min)
        ) + datetime.timedelta(days=1)

    def as_query(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def figure_range(start=None, end=None, *, today: datetime.date | None = None) -> FigureRange:
    """Check the figures' date range like the boards' figures do: a bad date is a ValidationError
    naming the field (``from``/``to``); default the last year up to today."""
    today = today or timezone.localdate()
    start, end = date_range(start, end, today=today, default_days=DEFAULT_DAYS, max_days=MAX_DAYS)
    return FigureRange(start, end)


CHECKED = Q(outcome__in=[Outcome.PASS, Outcome.FAIL])


def pooled_scores(results, *keys: str) -> list[dict]:
    """The audit score of each group of ``results`` (grouped by ``keys``), pooled over every item
    checked in them: 100 × Σ weight of the items passed ÷ Σ weight of the items checked (passed or
    failed; N/A and unrecorded items left out), to 0.1. An audit of 21 items weighs 21 items, one of
    2 weighs 2 — not a mean of the audits' scores. ``None`` when nothing with a weight was checked."""
    rows = list(
        results.values(*keys)
        .annotate(
            passed=Sum("item__weight", filter=Q(outcome=Outcome.PASS), default=Decimal(0)),
            applicable=Sum("item__weight", filter=CHECKED, default=Decimal(0)),
            checked=Count("id", filter=CHECKED),
        )
        .order_by(*keys)
    )
    for row in rows:
        row["score"] = _pct(row["passed"], row["applicable"])
    return rows


def score_hint() -> str:
    """The project's audit score in one sentence, beside the number on the page and in the export."""
    return _(
        "核查得分 = 区间内该项目所有已提交核查中，合格条目的权重之和 ÷ 已检查条目（合格或不合格）的权重之和 × 100；"
        "不适用的条目不计。按条目汇总，不是各次核查得分的平均。"
    )


def figures(user, period: FigureRange | None = None) -> dict:
    """The figures over audits submitted (non-conformances raised, actions closed) in ``period``."""
    period = period or figure_range()
    window = {"gte": period.since, "lt": period.until}
    audits = Audit.objects.visible_to(user).filter(
        status=AuditStatus.SUBMITTED, submitted_at__gte=window["gte"], submitted_at__lt=window["lt"]
    )
    submitted = AuditResult.objects.visible_to(user).filter(
        audit__status=AuditStatus.SUBMITTED,
        audit__submitted_at__gte=window["gte"],
        audit__submitted_at__lt=window["lt"],
    )
    pooled = {row["project_id"]: row for row in pooled_scores(submitted, "project_id")}
    ranking = list(audits.values("project_id", "project__name").annotate(n=Count("id")))
    for row in ranking:
        score = pooled.get(row["project_id"], {})
        row["score"] = score.get("score")
        row["checked"] = score.get("checked", 0)
    ranking.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["project__name"], r["project_id"]))
    by_month: dict[str, dict] = defaultdict(dict)
    for row in pooled_scores(submitted.annotate(m=TruncMonth("audit__submitted_at")), "m", "project__name"):
        by_month[_month(row["m"])][row["project__name"]] = row["score"]
    results = submitted
    sections = list(
        results.values("item__section__title")
        .annotate(
            passed=Sum("item__weight", filter=Q(outcome=Outcome.PASS)),
            applicable=Sum("item__weight", filter=Q(outcome__in=[Outcome.PASS, Outcome.FAIL])),
        )
        .order_by("item__section__title")
    )
    for s in sections:
        s["score"] = _pct(s["passed"] or 0, s["applicable"] or 0)
    failed_most = list(
        results.filter(outcome=Outcome.FAIL)
        .values("item__template__code", "item__key", "item__standard")
        .annotate(n=Count("id"))
        .order_by("-n", "item__key")[:10]
    )
    actions = CorrectiveAction.objects.visible_to(user)
    closed = actions.filter(status=CaStatus.CLOSED, closed_at__gte=window["gte"], closed_at__lt=window["lt"])
    ca = closed.aggregate(n=Count("id"), on_time=Count("id", filter=Q(done_at__lte=F("deadline"))))
    now = timezone.now()
    open_overdue = actions.filter(status__in=[CaStatus.ASSIGNED, CaStatus.REJECTED], deadline__lt=now).count()
    ncs = (
        NonConformance.objects.visible_to(user)
        .filter(raised_at__gte=window["gte"], raised_at__lt=window["lt"])
        .aggregate(n=Count("id"), recurring=Count("id", filter=Q(recurring=True)))
    )
    months = sorted(by_month)
    projects = sorted({p for m in by_month.values() for p in m})
    for rank, row in enumerate(ranking, start=1):
        row["rank"] = rank
    return {
        "start": period.start,
        "end": period.end,
        "ranking": ranking,
        "months": months,
        "series": [
            {
                "name": p,
                "data": [float(by_month[m][p]) if by_month[m].get(p) is not None else None for m in months],
            }
            for p in projects
        ],
        "sections": sections,
        "failed_most": failed_most,
        "ca_closed": ca["n"],
        "ca_on_time": ca["on_time"],
        "ca_on_time_pct": _pct(ca["on_time"], ca["n"]),
        "ca_open_overdue": open_overdue,
        "nc_total": ncs["n"],
        "nc_recurring": ncs["recurring"],
        "recurrence_pct": _pct(ncs["recurring"], ncs["n"]),
    }


def project_trend(user, project_id: int) -> list[dict]:
    return list(
        Audit.objects.visible_to(user)
        .filter(project_id=project_id, status=AuditStatus.SUBMITTED)
        .order_by("submitted_at")
        .values("number", "submitted_at", "score")[:24]
    )


def item_history(user, project_id: int | None = None) -> list[dict]:
    """Per item and month: how many times checked and failed (scores per item over time)."""
    results = AuditResult.objects.visible_to(user).filter(
        audit__status=AuditStatus.SUBMITTED, outcome__in=[Outcome.PASS, Outcome.FAIL]
    )
    if project_id:
        results = results.filter(project_id=project_id)
    rows = (
        results.annotate(m=TruncMonth("audit__submitted_at"))
        .values("m", "item__key")
        .annotate(n=Count("id"), failed=Count("id", filter=Q(outcome=Outcome.FAIL)))
        .order_by("item__key", "m")
    )
    return [
        {
            "month": _month(r["m"]),
            "key": r["item__key"],
            "checked": r["n"],
            "failed": r["failed"],
            "score": _pct(r["n"] - r["failed"], r["n"]),
        }
        for r in rows
    ]
