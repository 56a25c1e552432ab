"""Reads of feedback: survey results (response rate, mean, share satisfied per project and line) and
the card tallies (monthly, live or published; yearly with the rating). Each figure is one aggregate
query over an index, whatever the number of projects."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from guanjia.core.fee_results import FeeResult
from guanjia.core.scoping import scope_for
from guanjia.feedback.choices import CardColour, CardTarget, ServiceLine, SurveyStatus, YearRating
from guanjia.feedback.models import (
    CardTally,
    CardVote,
    FeeScale,
    Survey,
    SurveyAnswer,
    SurveyProject,
    SurveyResponse,
)

SATISFIED = 4  # a score of 4 or 5 counts as satisfied
HUNDRED = Decimal("100")
# The year's rating from the published tallies: share of blue cards and share of red cards among
# all cards cast for a target (seed 000: "通过一定的比例和指数测算").
EXCELLENT_BLUE, EXCELLENT_RED = Decimal("0.80"), Decimal("0.05")
PASS_BLUE, PASS_RED = Decimal("0.60"), Decimal("0.15")


def _ratio(part, whole, places="0.0001") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _mean(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def visible_project_ids(user, survey: Survey) -> list[int] | None:
    """The survey's projects the user may see results of (None: all of them, for HQ)."""
    scope = scope_for(user)
    if scope.is_hq:
        return None
    return list(scope.project_ids)


def survey_results(survey: Survey, user) -> dict:
    """Response rate per project; mean and share satisfied per project, per line and per project
    and line; the fee percentage of projects with a pay-by-satisfaction scale. Four queries in all."""
    allowed = visible_project_ids(user, survey)
    covered = SurveyProject.objects.filter(survey=survey)
    answers = SurveyAnswer.objects.filter(survey=survey)
    if allowed is not None:
        covered = covered.filter(project_id__in=allowed)
        answers = answers.filter(project_id__in=allowed)
    answered = (
        SurveyResponse.objects.filter(survey_id=survey.pk, project_id=OuterRef("project_id"))
        .order_by()
        .values("project_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    projects = list(
        covered.annotate(answered=Coalesce(Subquery(answered, output_field=IntegerField()), 0))
        .values("project_id", "project__name", "invited", "answered")
        .order_by("project__name")
    )
    cells = list(
        answers.values("project_id", "line")
        .annotate(mean=Avg("score"), n=Count("id"), satisfied=Count("id", filter=Q(score__gte=SATISFIED)))
        .order_by()
    )
    line_labels = dict(ServiceLine.choices)
    by_project: dict[int, dict] = {}
    by_line: dict[str, dict] = {}
    for cell in cells:
        for key, bucket in ((cell["project_id"], by_project), (cell["line"], by_line)):
            acc = bucket.setdefault(key, {"sum": 0.0, "n": 0, "satisfied": 0})
            acc["sum"] += float(cell["mean"]) * cell["n"]
            acc["n"] += cell["n"]
            acc["satisfied"] += cell["satisfied"]
        cell["mean"] = _mean(cell["mean"])
        cell["satisfied_share"] = _ratio(cell["satisfied"], cell["n"])
        cell["line_label"] = line_labels.get(cell["line"], cell["line"])

    def summary(acc):
        if not acc or not acc["n"]:
            return {"mean": None, "satisfied_share": None, "answers": 0}
        return {
            "mean": _mean(acc["sum"] / acc["n"]),
            "satisfied_share": _ratio(acc["satisfied"], acc["n"]),
            "answers": acc["n"],
        }

    lines_in_survey = list(dict.fromkeys(survey.questions.values_list("line", flat=True)))
    scales = dict(
        FeeScale.objects.filter(project_id__in=[r["project_id"] for r in projects]).values_list(
            "project_id", "steps"
        )
    )
    project_rows = []
    for row in projects:
        totals = summary(by_project.get(row["project_id"]))
        project_rows.append(
            {
                "project_id": row["project_id"],
                "project_name": row["project__name"],
                "invited": row["invited"],
                "answered": row["answered"],
                "response_rate": _ratio(row["answered"], row["invited"]),
                **totals,
                # Pay by satisfaction (买单式): the fee percentage this result earns on the project's scale.
                "fee_percent": fee_percent(scales.get(row["project_id"]), totals["satisfied_share"]),
                "lines": {c["line"]: c for c in cells if c["project_id"] == row["project_id"]},
            }
        )
    line_rows = [
        {"line": line, "line_label": line_labels.get(line, line), **summary(by_line.get(line))}
        for line in lines_in_survey
    ]
    invited = sum(r["invited"] for r in projects)
    total_answered = sum(r["answered"] for r in projects)
    return {
        "survey_id": survey.pk,
        "invited": invited,
        "answered": total_answered,
        "response_rate": _ratio(total_answered, invited),
        "projects": project_rows,
        "lines": line_rows,
        "cells": cells,
    }


def fee_percent(steps: list[dict] | None, satisfied_share: Decimal | None) -> Decimal | None:
    """The fee percentage a share satisfied (0–1) earns on a scale; None without answers or scale."""
    if satisfied_share is None or not steps:
        return None
    satisfied = satisfied_share * HUNDRED
    for step in steps:
        if satisfied >= Decimal(step["min_satisfied"]):
            return Decimal(step["fee_percent"])
    return Decimal(steps[-1]["fee_percent"])


def follow_ups(survey: Survey, user):
    """Low scores with a comment: the answer sheets that became (or wait to become) complaints."""
    return (
        SurveyResponse.objects.visible_to(user)
        .filter(survey=survey, needs_follow_up=True)
        .select_related("unit__building", "project", "follow_up")
        .order_by("-submitted_at")
    )


def month_counts(user, month: datetime.date) -> list[dict]:
    """This month's cards so far (live), per project and target: one aggregate query."""
    return list(
        CardVote.objects.visible_to(user)
        .filter(month=month)
        .values("project_id", "project__name", "target")
        .annotate(
            blue=Count("id", filter=Q(colour=CardColour.BLUE)),
            yellow=Count("id", filter=Q(colour=CardColour.YELLOW)),
            red=Count("id", filter=Q(colour=CardColour.RED)),
        )
        .order_by("project__name", "target")
    )


def rate(blue: int, yellow: int, red: int) -> str:
    total = blue + yellow + red
    if not total:
        return YearRating.NONE
    blue_share, red_share = _ratio(blue, total), _ratio(red, total)
    if blue_share >= EXCELLENT_BLUE and red_share <= EXCELLENT_RED:
        return YearRating.EXCELLENT
    if blue_share >= PASS_BLUE and red_share <= PASS_RED:
        return YearRating.PASS
    return YearRating.FAIL


def yearly_tally(user, year: int, project_id: int | None = None) -> list[dict]:
    """The year's published monthly tallies summed per project and target, with the rating of the
    company and of the owners' committee. One aggregate query."""
    qs = CardTally.objects.visible_to(user).filter(
        month__gte=datetime.date(year, 1, 1), month__lte=datetime.date(year, 12, 1)
    )
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    rows = list(
        qs.values("project_id", "project__name", "target")
        .annotate(months=Count("id"), blue=Sum("blue"), yellow=Sum("yellow"), red=Sum("red"))
        .order_by("project__name", "target")
    )
    labels = dict(CardTarget.choices)
    ratings = dict(YearRating.choices)
    for row in rows:
        row["project_name"] = row.pop("project__name")
        row["target_label"] = labels.get(row["target"], row["target"])
        row["rating"] = rate(row["blue"], row["yellow"], row["red"])
        row["rating_label"] = ratings[row["rating"]]
        total = row["blue"] + row["yellow"] + row["red"]
        row["blue_share"] = _ratio(row["blue"], total)
        row["red_share"] = _ratio(row["red"], total)
    return rows


def governing_fee_result(project_id: int, period: str):
    """Pay by satisfaction (买单式): the result that governs a project's management fee for the
    month ``period`` (``YYYY-MM``) — the closed survey of that month's quarter (``2026Q4`` governs
    2026-10 … 2026-12) covering the project, its share satisfied over the project's answers, and
    the percentage that share earns on the project's published scale. None without a closed
    survey, answers or scale. Billing asks through ``core.fee_results`` (registered in ``ready``)."""
    year, month = int(period[:4]), int(period[5:7])
    quarter = f"{year}Q{(month - 1) // 3 + 1}"
    scale = FeeScale.objects.filter(project_id=project_id).values_list("steps", flat=True).first()
    if not scale:
        return None
    survey = (
        Survey.objects.filter(period=quarter, status=SurveyStatus.CLOSED, covered__project_id=project_id)
        .order_by("-closed_at", "-id")
        .first()
    )
    if survey is None:
        return None
    counts = SurveyAnswer.objects.filter(survey=survey, project_id=project_id).aggregate(
        n=Count("id"), satisfied=Count("id", filter=Q(score__gte=SATISFIED))
    )
    if not counts["n"]:
        return None
    share = (Decimal(counts["satisfied"]) / Decimal(counts["n"])).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    return FeeResult(
        survey_id=survey.pk,
        label=f"{survey.period} {survey.title}"[:130],
        satisfied_share=share,
        fee_percent=fee_percent(scale, share),
    )
