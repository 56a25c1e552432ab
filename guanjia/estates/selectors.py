"""What "search" and each list filter mean for residents and units — one definition that the web
console, the API and the exports all use, so the three can never disagree.

Each function returns a ``Q`` to apply to a queryset that is already ``visible_to(user)``. Filters
through occupancies use ``Exists`` rather than joins, so lists need no ``DISTINCT``.
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from guanjia.core.cache import shared_cached, shared_cached_parts
from guanjia.core.phones import normalise_phone
from guanjia.core.scoping import scope_for
from guanjia.estates.models import Occupancy, Resident, Unit


def phone_or_none(text: str) -> str | None:
    """The normalised phone number if ``text`` is one (``+86 139-0000-1111`` → ``13900001111``)."""
    try:
        return normalise_phone(text)
    except ValidationError:
        return None


def _lives(*conditions, **lookups) -> Exists:
    """A resident (the outer row) who currently lives in a unit matching ``lookups``."""
    return Exists(Occupancy.objects.current().filter(*conditions, resident_id=OuterRef("pk"), **lookups))


def _lived_in_by(**lookups) -> Exists:
    """A unit (the outer row) currently lived in by a resident matching ``lookups``."""
    return Exists(Occupancy.objects.current().filter(unit_id=OuterRef("pk"), **lookups))


# A project with up to this many residents (registered or living there) is filtered by its list
# of ids; a bigger one row by row. See ``resident_in_project``.
PROJECT_ID_LIST_MAX = 2_000


def resident_in_project(project_id) -> Q:
    """Registered at the project, or living there now.

    Bounded by the project whatever the company's size, in one of two ways chosen by reading at
    most ``PROJECT_ID_LIST_MAX`` ids through the project's own indexes (the residents' project,
    the ties' project):

    - a small project is its ids, given to the database as a list: it fetches those rows by id
      and never walks a big company's residents asking each whether it lives there;
    - a big project is a question asked of each resident row, cheapest first — registered here
      (a column of the row), else a current tie here (the ties' resident index). The list then
      reads its first page in order (``resident_live_name_idx``) and stops, and a search probes
      its own index (phone, tail, room) and checks the few rows it finds, where a list of the
      project's ids would be built first, as big as the project, for every page and search."""
    project_id = int(project_id)
    registered = Resident.objects.filter(project_id=project_id).order_by().values_list("pk", "project_id")
    living = (
        Occupancy.objects.current()
        .filter(project_id=project_id)
        .order_by()
        .values_list("resident_id", "resident__project_id")
    )
    cap = 2 * PROJECT_ID_LIST_MAX  # a resident may be both registered and living there
    rows = list(registered.union(living, all=True)[: cap + 1])
    if len(rows) > cap:
        return Q(project_id=project_id) | Q(_lives(project_id=project_id))
    if all(registered_at == project_id for _pk, registered_at in rows):
        # The project's own column: its index (``resident_project_name_idx``) gives the page in order.
        return Q(project_id=project_id)
    # Some live here registered elsewhere: the few ids, checked from the index as it is read.
    return Q(pk__in=sorted({pk for pk, _registered_at in rows}))


def resident_in_building(building_id) -> Q:
    living = Occupancy.objects.current().filter(unit__building_id=building_id).values("resident_id")
    return Q(pk__in=living)


def resident_in_unit(unit_id) -> Q:
    return Q(_lives(unit_id=unit_id))


# How callers identify themselves ------------------------------------------------------------------
#
# A caller gives a full phone number, its last four digits ("尾号 5678"), their room as the desk
# writes it ("1栋-103", "1-103", "1栋103", "1栋 103", "1号楼103室") or just a room number ("103"),
# or a name. ``caller_lookup`` reads the text once; ``resident_search``, ``unit_search`` and
# ``units_matching`` (requests, bills) turn it into equalities on indexed columns: a number given
# is matched exactly (the unit number index), never as a substring of every unit's number, and the
# last four digits through ``Resident.phone_tail`` (an index with the company), so both stay index
# look-ups at 200,000 units.

# What may follow a building's number in its name: 1栋, 1号楼, 1幢, 1座, 1#.
BUILDING_SUFFIXES = ("栋", "号楼", "幢", "座", "#", "号")
_ROOM = r"[A-Za-z]?\d{1,5}[A-Za-z]?"
# A building and a room: a suffix, a separator, or both between them ("1栋-103", "1-103", "1栋103").
_BUILDING_ROOM = re.compile(
    rf"^(?P<building>[0-9A-Za-z]{{1,6}})\s*(?:(?:{'|'.join(map(re.escape, BUILDING_SUFFIXES))})\s*[-－—_/\s]?|[-－—_/\s])\s*"
    rf"(?P<room>{_ROOM})\s*(?:室|号)?$"
)
_ROOM_ONLY = re.compile(rf"^(?P<room>{_ROOM})\s*(?:室|号)?$")
_PHONE_TAIL = re.compile(r"^(?:尾号)?\s*(?P<tail>\d{4})$")


@dataclass(frozen=True)
class CallerLookup:
    """What a search text says about the caller; every part is optional."""

    text: str
    phone: str | None = None  # a full number, normalised
    phone_tail: str | None = None  # the last four digits
    building: str | None = None  # "1" of "1栋-103"
    room: str | None = None  # "103"

    @property
    def building_names(self) -> list[str]:
        """The names the building may have: "1" → 1, 1栋, 1号楼 …"""
        if not self.building:
            return []
        return [self.building, *(self.building + suffix for suffix in BUILDING_SUFFIXES)]


def caller_lookup(text: str) -> CallerLookup:
    """Read a search text: "13800001111", "5678", "1栋-103", "1-103", "103", "张"."""
    text = (text or "").strip()
    if not text:
        return CallerLookup(text)
    if phone := phone_or_none(text):
        return CallerLookup(text, phone=phone)
    if match := _PHONE_TAIL.match(text):
        # Four digits are a phone's tail or a room (1103): both are looked for.
        tail = match["tail"]
        return CallerLookup(text, phone_tail=tail, room=tail if text == tail else None)
    if match := _BUILDING_ROOM.match(text):
        return CallerLookup(text, building=match["building"].upper(), room=match["room"].upper())
    if match := _ROOM_ONLY.match(text):
        return CallerLookup(text, room=match["room"].upper())
    return CallerLookup(text)


def _unit_q(lookup: CallerLookup, prefix: str = "") -> Q:
    """Units (through ``prefix``) with the room number given, in the building given if any."""
    if not lookup.room:
        return Q(pk__in=[])
    # Equality on the number (its index): digits as given ("0808" is not "808"), letters in
    # either case ("a103" finds A103).
    q = Q(**{f"{prefix}number__in": sorted({lookup.room, lookup.room.lower()})})
    if lookup.building:
        q &= Q(**{f"{prefix}building__name__in": lookup.building_names})
    return q


def resident_search(text: str) -> Q:
    """A full phone number or its last four digits; a room ("1栋-103", "103") they live in now;
    otherwise part of the name."""
    lookup = caller_lookup(text)
    if not lookup.text:
        return Q()
    if lookup.phone:
        return Q(phone=lookup.phone)
    # Each part is "id IN (a few ids found through an index)", so the database starts from them
    # rather than walking every resident of the company.
    q = Q(pk__in=[])
    if lookup.phone_tail:
        q |= Q(pk__in=Resident.objects.filter(phone_tail=lookup.phone_tail).values("pk"))
    if lookup.room:
        q |= Q(pk__in=Occupancy.objects.current().filter(_unit_q(lookup, "unit__")).values("resident_id"))
    if not (lookup.phone_tail or lookup.room):
        q = Q(name__icontains=lookup.text)
    return q


def unit_search(text: str) -> Q:
    """A room as callers say it ("1栋-103", "1-103", "1栋103", "103": that exact number), or the
    full phone, last four digits or part of the name of someone living there now."""
    lookup = caller_lookup(text)
    if not lookup.text:
        return Q()
    living = {"resident__deleted_at__isnull": True}
    if lookup.phone:
        return Q(_lived_in_by(resident__phone=lookup.phone, **living))
    q = Q(pk__in=[])
    if lookup.room:
        q |= _unit_q(lookup)
    if lookup.phone_tail:
        # The units of the few residents with that tail (their index), not a probe per unit.
        tails = Resident.objects.filter(phone_tail=lookup.phone_tail, deleted_at__isnull=True).values("pk")
        q |= Q(pk__in=Occupancy.objects.current().filter(resident__in=tails).values("unit_id"))
    if not (lookup.phone_tail or lookup.room):
        q = Q(_lived_in_by(resident__name__icontains=lookup.text, **living))
    return q


def units_matching(text: str):
    """The units ``unit_search`` finds, as a subquery for rows that hang off a unit (requests,
    bills): ``qs.filter(unit__in=units_matching(text))``. The caller's queryset is already scoped."""
    return Unit.objects.filter(unit_search(text)).values("pk")


# Households (occupied units) per project: every figure of complaints per 1,000 households needs
# them, on the last day of each period shown. The occupancy history (``Occupancy.start_on`` …
# ``end_on``) is read once into each project's occupied spans — a unit's overlapping or adjacent
# occupancies merged, so a unit counts once however many residents it has — and kept in the shared
# cache (``core.cache``) as counts by day; any change of an occupancy, bulk writes included, drops
# the copy. Counting a day is then two binary searches, whatever the number of units.


@dataclass(frozen=True)
class OccupiedSpans:
    """One project's occupied spans as step counts: how many spans began on or before a day, how
    many ended before it. ``starts``/``ends`` are sorted day ordinals, ``*_cum`` the running counts."""

    starts: tuple[int, ...]
    starts_cum: tuple[int, ...]
    ends: tuple[int, ...]
    ends_cum: tuple[int, ...]

    def on(self, day: datetime.date) -> int:
        """Units occupied on ``day``."""
        n = day.toordinal()
        i = bisect.bisect_right(self.starts, n)
        begun = self.starts_cum[i - 1] if i else 0
        j = bisect.bisect_left(self.ends, n)  # spans whose last day is before ``day``
        over = self.ends_cum[j - 1] if j else 0
        return begun - over


def _steps(ordinals: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    counts = Counter(ordinals)
    days = tuple(sorted(counts))
    running, cum = 0, []
    for d in days:
        running += counts[d]
        cum.append(running)
    return days, tuple(cum)


def _occupied_spans(company_id: int) -> dict[int, OccupiedSpans]:
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)

    def close(project_id, first, last):
        starts[project_id].append(first)
        if last is not None:
            ends[project_id].append(last)

    rows = (
        Occupancy.objects.filter(company_id=company_id)
        .order_by("unit_id", "start_on")
        .values_list("project_id", "unit_id", "start_on", "end_on")
    )
    unit = span = None
    for project_id, unit_id, start_on, end_on in rows.iterator(chunk_size=5000):
        first, last = start_on.toordinal(), (end_on.toordinal() if end_on else None)
        if unit_id == unit and span is not None and (span[2] is None or first <= span[2] + 1):
            if span[2] is not None and (last is None or last > span[2]):
                span[2] = last
            continue
        if span is not None:
            close(*span)
        unit, span = unit_id, [project_id, first, last]
    if span is not None:
        close(*span)
    return {p: OccupiedSpans(*_steps(starts[p]), *_steps(ends.get(p, []))) for p in starts}


def _company_spans(company_id: int) -> dict[int, OccupiedSpans]:
    """Every project's occupied spans (``OccupiedSpans.on(day)``), kept in the shared cache."""
    return shared_cached("occupied_spans", company_id, lambda: _occupied_spans(company_id))


def households_on(user, day: datetime.date) -> dict[int, int]:
    """Units occupied on ``day`` (an occupancy from ``start_on`` to ``end_on``, both included), per
    project the user may see."""
    return households_on_days(user, [day])[day]


def households_on_days(user, days: Iterable[datetime.date]) -> dict[datetime.date, dict[int, int]]:
    """``households_on`` for each of ``days``, in one read of the shared cache: each day's counts
    are kept beside the spans they are counted from and dropped with them on any occupancy change,
    so a figures table reads a few small dicts rather than the company's spans (~200,000 units)."""
    days = list(days)
    scope = scope_for(user)
    if scope.company_id is None:
        return {day: {} for day in days}

    def count(missing: list[str]) -> dict[str, dict[int, int]]:
        spans = _company_spans(scope.company_id)
        on = [(part, datetime.date.fromisoformat(part)) for part in missing]
        return {part: {p: n for p, s in spans.items() if (n := s.on(day))} for part, day in on}

    counts = shared_cached_parts("occupied_spans", scope.company_id, [d.isoformat() for d in days], count)
    if scope.is_hq:
        return {day: counts[day.isoformat()] for day in days}
    visible = set(scope.project_ids)
    return {day: {p: n for p, n in counts[day.isoformat()].items() if p in visible} for day in days}


def households_by_project(user) -> dict[int, int]:
    """Units occupied today, per project the user may see."""
    return households_on(user, timezone.localdate())


# What a resident may do for a unit -------------------------------------------------------------


def occupancy_allows(resident_id: int | None, unit, what: str) -> bool:
    """Whether the resident, through a tie that holds today, may ``what`` ("report", "pay", "vote")
    for the unit. The one rule the portal forms, the request intake and the bills page ask."""
    if resident_id is None or unit is None:
        return False
    unit_id = getattr(unit, "pk", unit)
    return (
        Occupancy.objects.current()
        .allowing(what)
        .filter(resident_id=resident_id, unit_id=unit_id, resident__deleted_at__isnull=True)
        .exists()
    )


def units_allowing(user, what: str):
    """The units the user (a resident) may ``what`` for: the portal forms offer only these."""
    scope = scope_for(user)
    if not scope.is_resident:
        return Unit.objects.none()
    allowed = Occupancy.objects.current().allowing(what).filter(resident_id=scope.resident_id)
    return Unit.objects.visible_to(user).filter(id__in=allowed.values("unit_id"))
