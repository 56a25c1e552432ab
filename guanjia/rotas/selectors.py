"""Reads of rotas: the rota grid of a period, a person's shifts, the monthly attendance sheet."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.rotas.choices import ShiftStatus
from guanjia.rotas.models import Post, Shift
from guanjia.rotas.services.cover import gaps


def month_bounds(month: str | None) -> tuple[datetime.date, datetime.date]:
    """``YYYY-MM`` (default: this Shanghai month) → its first and last day."""
    if not month:
        today = timezone.localdate()
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    try:
        year, mon = (int(x) for x in str(month).split("-"))
        first = datetime.date(year, mon, 1)
    except (TypeError, ValueError):
        raise ValidationError({"month": _("月份格式应为 YYYY-MM")}) from None
    return first, first.replace(day=calendar.monthrange(year, mon)[1])


def period(start: datetime.date, view: str) -> tuple[datetime.date, datetime.date]:
    """A week from its Monday, or a calendar month."""
    if view == "month":
        first = start.replace(day=1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    monday = start - datetime.timedelta(days=start.weekday())
    return monday, monday + datetime.timedelta(days=6)


def rota_grid(actor, *, project_id: int, first: datetime.date, last: datetime.date, department: str = ""):
    """Rows of (post, pattern) with one cell per day: the people planned and whether it is a gap."""
    posts = Post.objects.visible_to(actor).filter(project_id=project_id, is_active=True)
    if department:
        posts = posts.filter(department=department)
    days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    planned = defaultdict(list)
    for shift in (
        Shift.objects.filter(post__in=posts, date__gte=first, date__lte=last)
        .select_related("staff")
        .order_by("staff__name", "id")
    ):
        planned[(shift.post_id, shift.pattern_id, shift.date)].append(shift)
    gap_keys = {(g.post.pk, g.pattern.pk, g.date) for g in gaps(posts, first, last)}
    rows = []
    for post in posts.prefetch_related("patterns").order_by("department", "name"):
        for pattern in post.patterns.all():
            cells = [
                {
                    "date": day,
                    "shifts": planned[(post.pk, pattern.pk, day)],
                    "gap": (post.pk, pattern.pk, day) in gap_keys,
                }
                for day in days
            ]
            rows.append({"post": post, "pattern": pattern, "cells": cells})
    return {"days": days, "rows": rows, "gap_count": len(gap_keys)}


def my_shifts(actor, *, staff_id: int, first: datetime.date, last: datetime.date):
    return (
        Shift.objects.visible_to(actor)
        .filter(staff_id=staff_id, date__gte=first, date__lte=last)
        .select_related("post", "pattern", "project")
        .order_by("starts_at")
    )


def attendance_sheet(actor, *, month: str | None = None, project_id=None, department: str = ""):
    """One row per person with shifts in the month (of the projects the actor sees): shifts planned,
    hours worked, late, absent, shifts taken over by swap and handed over. Dict rows."""
    first, last = month_bounds(month)
    shifts = Shift.objects.visible_to(actor).filter(date__gte=first, date__lte=last)
    if project_id:
        shifts = shifts.filter(project_id=project_id)
    if department:
        shifts = shifts.filter(staff__department=department)
    handed = (
        shifts.filter(swapped_from_id=OuterRef("staff_id"))
        .order_by()
        .values("swapped_from_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        shifts.order_by()
        .values("staff_id", "staff__name", "staff__employee_no", "staff__department")
        .annotate(
            planned=Count("id"),
            worked_minutes=Coalesce(Sum("worked_minutes"), 0),
            late=Count("id", filter=Q(status=ShiftStatus.LATE)),
            late_minutes=Coalesce(Sum("late_minutes"), 0),
            absent=Count("id", filter=Q(status=ShiftStatus.ABSENT)),
            swapped_in=Count("id", filter=Q(swapped_from__isnull=False)),
            swapped_out=Coalesce(Subquery(handed, output_field=IntegerField()), 0),
        )
        .order_by("staff__department", "staff__name", "staff_id")
    )


def department_totals(rows) -> list[dict]:
    """The sheet summed per department."""
    totals: dict[str, dict] = {}
    for row in rows:
        t = totals.setdefault(
            row["staff__department"],
            {
                "department": row["staff__department"],
                "people": 0,
                "planned": 0,
                "worked_minutes": 0,
                "late": 0,
                "absent": 0,
            },
        )
        t["people"] += 1
        for key in ("planned", "worked_minutes", "late", "absent"):
            t[key] += row[key]
    return list(totals.values())
