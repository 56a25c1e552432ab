"""Reads of the delivery pages: a month's notifications per channel for a project, the outbox."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.utils import timezone

from guanjia.core.scoping import scope_for
from guanjia.notifications.models import PUSH_CHANNELS, Channel, Notification, Report, State


def projects_for(user):
    """The projects the user may see (estates sits above notifications: asked by name, not imported)."""
    return apps.get_model("estates", "Project").objects.visible_to(user).order_by("name")


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of the Shanghai month and of the next one."""
    start = timezone.make_aware(datetime.datetime(month.year, month.month, 1))
    following = datetime.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(datetime.datetime(following.year, following.month, 1))


def company_rows(user, *, project_id: int | None = None):
    """The notifications of the user's company the user may count: HQ all (a project's when given),
    a project manager only those of their projects. One indexed range per query (company, project,
    created_at)."""
    scope = scope_for(user)
    if scope.company_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(company_id=scope.company_id)
    if project_id is not None:
        if not scope.is_hq and project_id not in scope.project_ids:
            return Notification.objects.none()
        return qs.filter(project_id=project_id)
    if not scope.is_hq:
        qs = qs.filter(project_id__in=scope.project_ids)
    return qs


def _count(**kwargs):
    return Count("id", filter=Q(**kwargs))


def month_figures(user, *, month: datetime.date, project_id: int | None = None) -> dict:
    """Per channel: made, sent, failed, waiting, delivered / undelivered by report; SMS messages and
    billed segments. One grouped query."""
    start, end = month_bounds(month)
    rows = (
        company_rows(user, project_id=project_id)
        .filter(created_at__gte=start, created_at__lt=end)
        .values("channel")
        .annotate(
            total=Count("id"),
            sent=_count(state=State.SENT),
            failed=_count(state=State.FAILED),
            waiting=_count(state__in=[State.PENDING, State.DEFERRED]),
            delivered=_count(report=Report.DELIVERED),
            undelivered=_count(report=Report.UNDELIVERED),
            segments=Sum("segments", filter=Q(state=State.SENT)),
        )
        .order_by("channel")
    )
    by_channel = {row["channel"]: row for row in rows}
    labels = dict(Channel.choices)
    channels = []
    for value in Channel.values:
        row = by_channel.get(value)
        if row is None:
            continue
        row["label"] = labels[value]
        row["segments"] = row["segments"] or 0
        channels.append(row)
    sms = by_channel.get(Channel.SMS) or {}
    return {
        "channels": channels,
        "sms_messages": sms.get("sent", 0),
        "sms_segments": sms.get("segments") or 0,
        "failed": sum(row["failed"] for row in channels),
    }


def month_failures(user, *, month: datetime.date, project_id: int | None = None, limit: int = 50):
    start, end = month_bounds(month)
    return (
        company_rows(user, project_id=project_id)
        .filter(created_at__gte=start, created_at__lt=end)
        .filter(Q(state=State.FAILED) | Q(report=Report.UNDELIVERED))
        .select_related("recipient")
        .order_by("-created_at", "-id")[:limit]
    )


def outbox(user, *, channel: str = "", state: str = ""):
    """Push messages of the user's company, newest first (administrators: what went out, or would have)."""
    scope = scope_for(user)
    if scope.company_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(company_id=scope.company_id, channel__in=PUSH_CHANNELS)
    if channel:
        qs = qs.filter(channel=channel)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("recipient").order_by("-created_at", "-id")
