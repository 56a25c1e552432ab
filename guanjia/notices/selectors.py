"""Reads of notices: who a notice is addressed to, who has read it, who has not (the butler's call
list), the publication calendar, and what a resident's portal shows."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from guanjia.core.scoping import scope_for
from guanjia.estates.models import Building, Occupancy, Project, Unit, unit_order
from guanjia.notices.choices import NoticeStatus
from guanjia.notices.models import Notice, NoticeRead, ServiceCard
from guanjia.staff.models import StaffMember


def addressed_units(notice: Notice):
    """The households a notice speaks to: the units (not deleted) of its company, project or building
    where somebody lives today."""
    units = Unit.objects.filter(company_id=notice.company_id, deleted_at__isnull=True)
    if notice.building_id is not None:
        units = units.filter(building_id=notice.building_id)
    elif notice.project_id is not None:
        units = units.filter(project_id=notice.project_id)
    lived_in = Occupancy.objects.current().filter(unit_id=OuterRef("pk"))
    return units.filter(Exists(lived_in))


def resident_user_ids(notice: Notice):
    """The accounts of everybody living in an addressed household (who an urgent notice is pushed to)."""
    return (
        Occupancy.objects.current()
        .filter(
            unit__in=addressed_units(notice), resident__user__isnull=False, resident__deleted_at__isnull=True
        )
        .values_list("resident__user_id", flat=True)
        .distinct()
        .order_by("resident__user_id")
    )


def read_stats(notice: Notice) -> dict:
    """Households addressed and read, in all and per building (the detail page's read statistics)."""
    units = addressed_units(notice)
    read = NoticeRead.objects.filter(notice=notice, unit_id=OuterRef("pk"))
    rows = (
        units.values("building_id", "building__name", "building__sort_key")
        .annotate(total=Count("id"), read=Count("id", filter=Q(Exists(read))))
        .order_by("building__project_id", "building__sort_key", "building_id")
    )
    buildings = [
        {
            "building_id": r["building_id"],
            "building": r["building__name"],
            "total": r["total"],
            "read": r["read"],
        }
        for r in rows
    ]
    total = sum(b["total"] for b in buildings)
    done = sum(b["read"] for b in buildings)
    return {
        "total": total,
        "read": done,
        "unread": total - done,
        "rate": round(100 * done / total, 1) if total else 0.0,
        "buildings": buildings,
    }


def butler_building_ids(user) -> list[int]:
    """The buildings the user looks after as a butler (管家负责楼栋); empty for everybody else."""
    staff_id = scope_for(user).staff_id
    if staff_id is None:
        return []
    return list(
        StaffMember.butler_buildings.through.objects.filter(staffmember_id=staff_id).values_list(
            "building_id", flat=True
        )
    )


def unread_units(notice: Notice, *, building_ids=None):
    """The households that have not read the notice, in the units' order, each with the people living
    there now (``current_occupancies``) — whom the butler calls."""
    units = addressed_units(notice).exclude(
        Exists(NoticeRead.objects.filter(notice=notice, unit_id=OuterRef("pk")))
    )
    if building_ids:
        units = units.filter(building_id__in=building_ids)
    living = Occupancy.objects.current().select_related("resident").order_by("relation", "id")
    return (
        units.select_related("project", "building")
        .prefetch_related(Prefetch("occupancies", queryset=living, to_attr="current_occupancies"))
        .order_by(*unit_order())
    )


def unread_buildings(notice: Notice):
    """The buildings a notice's unread list may be narrowed to."""
    return Building.objects.filter(id__in=addressed_units(notice).values("building_id")).order_by(
        "project_id", "sort_key", "id"
    )


def notice_list(user, *, project_id=None, kind="", status=""):
    notices = Notice.objects.visible_to(user).select_related("project", "building", "author")
    if project_id:
        notices = notices.filter(project_id=project_id)
    if kind:
        notices = notices.filter(kind=kind)
    if status:
        notices = notices.filter(status=status)
    return notices.order_by("-pinned", "-published_at", "-created_at", "-id")


def month_bounds(month: str | None) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``YYYY-MM`` (this Shanghai month when empty); ValueError if malformed."""
    if month:
        first = datetime.datetime.strptime(month, "%Y-%m").date().replace(day=1)
    else:
        first = timezone.localdate().replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def publication_calendar(user, project: Project, month: str | None = None) -> dict:
    """What was published for a project (its own, its buildings' and company-wide notices) on each
    day of a month, and how many of each kind: the record of regular publication."""
    first, last = month_bounds(month)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    notices = (
        Notice.objects.visible_to(user)
        .filter(Q(project__isnull=True) | Q(project=project))
        .filter(status__in=(NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN))
        .filter(published_at__gte=start, published_at__lt=end)
        .select_related("building")
        .order_by("published_at", "id")
    )
    days: dict[datetime.date, list[Notice]] = defaultdict(list)
    kinds: dict[str, int] = defaultdict(int)
    for notice in notices:
        days[timezone.localdate(notice.published_at)].append(notice)
        kinds[notice.get_kind_display()] += 1
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(first.year, first.month):
        weeks.append(
            [{"date": d, "in_month": d.month == first.month, "notices": days.get(d, [])} for d in week]
        )
    scheduled = (
        Notice.objects.visible_to(user)
        .filter(Q(project__isnull=True) | Q(project=project), status=NoticeStatus.SCHEDULED)
        .filter(publish_at__gte=start, publish_at__lt=end)
        .order_by("publish_at")
    )
    return {
        "first": first,
        "weeks": weeks,
        "kinds": dict(kinds),
        "count": sum(kinds.values()),
        "scheduled": list(scheduled),
        "previous": (first - datetime.timedelta(days=1)).strftime("%Y-%m"),
        "next": (last + datetime.timedelta(days=1)).strftime("%Y-%m"),
    }


# The resident's portal -------------------------------------------------------------------------


def resident_unit_ids(user) -> list[int]:
    scope = scope_for(user)
    return list(
        Occupancy.objects.filter(resident_id=scope.resident_id).current().values_list("unit_id", flat=True)
    )


def portal_notices(user):
    """The notices a resident sees, pinned first, each with ``is_read`` (one of their households read it)."""
    units = resident_unit_ids(user)
    read = NoticeRead.objects.filter(notice_id=OuterRef("pk"), unit_id__in=units)
    return (
        Notice.objects.visible_to(user)
        .select_related("project", "building")
        .annotate(is_read=Exists(read))
        .order_by("-pinned", "-published_at", "-id")
    )


def service_team(user) -> dict:
    """The cards a resident sees: their buildings' butlers first, then the rest of the team."""
    cards = list(
        ServiceCard.objects.visible_to(user).select_related("staff").order_by("order", "staff__name", "id")
    )
    units = resident_unit_ids(user)
    buildings = Unit.objects.filter(id__in=units).values("building_id")
    butlers = set(
        StaffMember.butler_buildings.through.objects.filter(building_id__in=buildings).values_list(
            "staffmember_id", flat=True
        )
    )
    return {
        "butlers": [c for c in cards if c.staff_id in butlers],
        "team": [c for c in cards if c.staff_id not in butlers],
    }
