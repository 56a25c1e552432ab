"""Matching checked rows against a project: the plan of what differs, which
``writing.write_plan`` then writes.

``plan_file`` only reads. It plans the file a chunk of rows at a time (``CHUNK_ROWS``, every row of
a unit in the same chunk: the rows come from the ``spool`` ordered by building and number) and
loads exactly the records a chunk names (its buildings' units by number, the open ties of those
units, the residents by id and by phone), never the whole project, so a one-row import into a
project of 50,000 units reads a handful of rows and a 120,000-row file is never held at once.
What must span the file — the new residents planned so far, the residents already matched, the
phones a change gives away — is kept in the spool (on disk) and asked about one chunk's keys at a
time; the plan itself keeps only counts, the first ``PREVIEW_ROWS`` changes and a running digest.
Each chunk's writes are pickled into the spool for ``writing.write_plan`` (not for a dry run).

Stable keys. A unit is (building, number). A resident is, in this order: the id from an export
(住户编号); else the person of that name with an open tie to that unit; else the company's
resident with that phone; else a new person. A matched resident whose phone or name differs is
changed (a new phone changes that person's phone, it does not create a second person). A tie is
(resident, unit, relation); a row with an end date (结束日期) ends that tie through the estates
move-out service (``occupancy_end_unchecked``). Rows missing from a file change nothing: a file
may hold part of a project.

The plan also describes itself for a dry run (``Plan.preview``): how many records are new,
changed and moved out, the changed rows with their old and new values, and a digest of every
write (chunk by chunk, in the planner's fixed order), so that a confirmed run can prove it writes
what the person saw.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.phones import mask_phone
from guanjia.core.scoping import scope_for
from guanjia.dataio.importing import COLUMNS, Outcome, Row, row_error
from guanjia.dataio.spool import Spool
from guanjia.estates.choices import UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit

PREVIEW_ROWS = 300
CHUNK = 500  # keys per IN (…) query
CHUNK_ROWS = 2000  # rows planned at once (a chunk ends with its last unit's rows)


def _label(row: Row, key: str) -> str:
    return row.labels.get(key, COLUMNS[key][0])


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(slots=True)
class _UnitPlan:
    line: int
    building: str
    number: str
    floor: int | None = None
    area: object = None
    status: str | None = None
    has_resident: bool = False
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class ChunkPlan:
    """One chunk's writes, kept (pickled) in the spool between planning and writing."""

    new_units: list = field(default_factory=list)  # (building name, Unit)
    changed_units: list = field(default_factory=list)  # (Unit, changes)
    new_residents: list = field(default_factory=list)
    changed_residents: list = field(default_factory=list)
    # (resident, unit, relation, start_on, end_on); resident: an id, a Resident planned in this
    # chunk, or the phone of a new resident an earlier chunk planned.
    new_occupancies: list = field(default_factory=list)
    changed_occupancies: list = field(default_factory=list)
    move_outs: list = field(default_factory=list)  # (occupancy, last day)


_COUNTED = (
    "new_units",
    "changed_units",
    "new_residents",
    "changed_residents",
    "new_occupancies",
    "changed_occupancies",
    "move_outs",
)


@dataclass
class Plan:
    """The whole file's plan, summarised; its writes are in ``spool``, one chunk at a time."""

    outcome: Outcome
    project: Project | None = None
    spool: Spool | None = None
    new_buildings: list = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTED, 0))
    change_count: int = 0
    chunks: int = 0
    largest_chunk: int = 0  # the most rows planned at once
    _first_changes: list = field(default_factory=list)  # a heap of the preview's lines
    _hash: object = field(default_factory=hashlib.sha256)

    @property
    def digest(self) -> str:
        return self._hash.copy().hexdigest()

    def _add_to_digest(self, parts: list[str]) -> None:
        """Parts of one chunk, in a fixed order; the digest is a running hash over the chunks."""
        self._hash.update(hashlib.sha256("\n".join(sorted(parts)).encode()).digest())

    def counts(self) -> dict[str, int]:
        s = self.sizes
        new = len(self.new_buildings) + s["new_units"] + s["new_residents"] + s["new_occupancies"]
        changed = s["changed_units"] + s["changed_residents"] + s["changed_occupancies"]
        return {"new": new, "changed": changed, "moved_out": s["move_outs"]}

    def detail(self) -> dict:
        s = self.sizes
        return {
            "created": {
                "buildings": len(self.new_buildings),
                "units": s["new_units"],
                "residents": s["new_residents"],
                "occupancies": s["new_occupancies"],
            },
            "updated": {
                "units": s["changed_units"],
                "residents": s["changed_residents"],
                "occupancies": s["changed_occupancies"],
            },
            "moved_out": s["move_outs"],
        }

    def preview(self) -> dict:
        """What a dry run shows: exact counts, the first ``PREVIEW_ROWS`` changes."""
        first = sorted(self._first_changes, key=lambda item: (-item[0], -item[1]))
        changes = [change for _row, _seq, change in first]
        detail = self.detail()["created"]
        return {
            **self.counts(),
            "detail": detail,
            "change_count": self.change_count,
            "changes": changes[:PREVIEW_ROWS],
            "digest": self.digest,
        }

    def _change(self, line: int, kind: str, what: str, label: str, before, after) -> None:
        """One line of the preview; only the ``PREVIEW_ROWS`` first rows of the file are kept."""
        self.change_count += 1
        change = {"row": line, "kind": kind, "what": what, "field": label, "before": before, "after": after}
        # A max-heap by (row, order seen) through negated keys; the largest is dropped.
        heapq.heappush(self._first_changes, (-line, -self.change_count, change))
        if len(self._first_changes) > PREVIEW_ROWS:
            heapq.heappop(self._first_changes)


def _shown(field_name: str, value) -> str:
    if value is None:
        return ""
    if field_name == "phone":
        return mask_phone(value)
    return str(value)


@dataclass
class _Context:
    """What every chunk of one file is planned against."""

    project: Project
    today: object
    scope: object
    buildings: dict[str, Building]
    keep: bool


def plan_file(*, project: Project, spool: Spool, actor, keep: bool = True, progress=None) -> Plan:
    """Match the spooled rows against the project's records, a chunk at a time: every create,
    change and move-out planned, nothing written. With errors, ``plan.outcome.errors`` lists them
    and nothing else counts. ``keep``: keep each chunk's writes for ``writing.write_plan`` (not
    needed by a dry run). ``progress(rows planned)`` after each chunk."""
    plan = Plan(outcome=Outcome(), project=project, spool=spool)
    buildings = {b.name: b for b in Building.objects.filter(project=project)}
    floors = spool.building_floors((project.name, project.code))
    plan.new_buildings = [
        Building(company_id=project.company_id, project=project, name=name, floors_above=top)
        for name, top in floors.items()
        if name not in buildings
    ]
    plan._add_to_digest([f"building+{b.name}" for b in plan.new_buildings])
    plan.outcome.unchanged = len(floors) - len(plan.new_buildings)
    context = _Context(
        project=project, today=timezone.localdate(), scope=scope_for(actor), buildings=buildings, keep=keep
    )
    done = 0
    for rows in spool.unit_chunks(CHUNK_ROWS):
        chunk = _plan_chunk(plan, context, rows)
        plan.chunks += 1
        plan.largest_chunk = max(plan.largest_chunk, len(rows))
        if keep and not plan.outcome.errors:
            spool.keep_plan(chunk)
        done += len(rows)
        if progress is not None:
            progress(done)
    if plan.outcome.errors:
        plan.outcome.errors.sort(key=lambda e: e["row"])
    return plan


def _plan_chunk(plan: Plan, context: _Context, rows: list[Row]) -> ChunkPlan:
    """Plan one chunk: every row of each of its units is in it."""
    chunk = ChunkPlan()
    errors = plan.outcome.errors
    project, today, spool = context.project, context.today, plan.spool
    company_id = project.company_id
    buildings = context.buildings
    parts: list[str] = []
    unchanged = 0

    # 1. Fold rows into one plan per unit, reporting rows that disagree.
    unit_plans: dict[tuple[str, str], _UnitPlan] = {}
    people_rows: list[Row] = []
    for row in rows:
        if row.project and row.project not in (project.name, project.code):
            errors.append(
                row_error(
                    row.line,
                    _label(row, "project"),
                    _("不是导入的项目“%(project)s”") % {"project": project.name},
                )
            )
            continue
        if not row.number:
            continue
        key = (row.building, row.number)
        unit_plan = unit_plans.get(key)
        if unit_plan is None:
            unit_plan = unit_plans[key] = _UnitPlan(line=row.line, building=row.building, number=row.number)
        for attr in ("floor", "area", "status"):
            value = getattr(row, attr)
            if value is None:
                continue
            known = getattr(unit_plan, attr)
            if known is None:
                setattr(unit_plan, attr, value)
                unit_plan.lines[attr] = row.line
            elif known != value:
                errors.append(
                    row_error(
                        row.line,
                        _label(row, attr),
                        _("与第%(other)s行同一房屋的值不一致") % {"other": unit_plan.lines[attr]},
                    )
                )
        if row.phone:
            unit_plan.has_resident = True
            people_rows.append(row)

    # 2. What exists already: only what the chunk names.
    units: dict[tuple[str, str], Unit] = {}
    numbers_by_building: dict[str, list[str]] = {}
    for building, number in unit_plans:
        if building in buildings:
            numbers_by_building.setdefault(building, []).append(number)
    for name, numbers in numbers_by_building.items():
        for part in _chunks(numbers):
            for unit in Unit.objects.filter(
                building=buildings[name], number__in=part, deleted_at__isnull=True
            ):
                units[(name, unit.number)] = unit
    open_ties: dict[tuple[int, int, str], Occupancy] = {}
    by_unit_name: dict[tuple[int, str], list[Resident]] = {}
    unit_ids = [u.pk for u in units.values()]
    for part in _chunks(unit_ids):
        for tie in (
            Occupancy.objects.filter(unit_id__in=part, ended_at__isnull=True)
            .filter(Q(end_on__isnull=True) | Q(end_on__gte=today))
            .select_related("resident")
        ):
            open_ties[(tie.resident_id, tie.unit_id, tie.relation)] = tie
            found = by_unit_name.setdefault((tie.unit_id, tie.resident.name), [])
            if tie.resident not in found:
                found.append(tie.resident)
    # Ties already ended on a day the file names: a re-imported move-out is not a new tie.
    ended_ties: set[tuple[int, int, str, object]] = set()
    end_days = sorted({r.end_on for r in people_rows if r.end_on})
    for part in _chunks(unit_ids) if end_days else ():
        ended_ties.update(
            Occupancy.objects.filter(unit_id__in=part, end_on__in=end_days).values_list(
                "resident_id", "unit_id", "relation", "end_on"
            )
        )
    by_id: dict[int, Resident] = {}
    for part in _chunks(sorted({r.resident_id for r in people_rows if r.resident_id})):
        for resident in Resident.objects.filter(company_id=company_id, deleted_at__isnull=True, pk__in=part):
            by_id[resident.pk] = resident
    phones = sorted({r.phone for r in people_rows})
    by_phone: dict[str, Resident] = {}
    for part in _chunks(phones):
        for resident in Resident.objects.filter(
            company_id=company_id, deleted_at__isnull=True, phone__in=part
        ):
            by_phone[resident.phone] = resident
    existing = {r.pk: r for r in [*by_id.values(), *by_phone.values()]}
    for residents in by_unit_name.values():
        existing.update((r.pk, r) for r in residents)
    lives_here: set[int] = set()
    for part in _chunks(sorted(r.pk for r in [*by_id.values(), *by_phone.values()])):
        lives_here.update(
            Occupancy.objects.filter(project=project, resident_id__in=part).values_list(
                "resident_id", flat=True
            )
        )
    for residents in by_unit_name.values():
        lives_here.update(r.pk for r in residents)
    # What earlier chunks planned, for this chunk's keys only.
    people_before = spool.people(phones)
    matched_before = spool.matched(existing)
    taken_before = spool.taken(phones)

    def may_change(resident: Resident) -> bool:
        # A resident registered in a project the importer does not serve keeps their name.
        scope = context.scope
        return scope.is_hq or resident.project_id in scope.project_ids or resident.pk in lives_here

    # 3. Units (their buildings are planned for the whole file: ``plan_file``).
    unit_by_key: dict[tuple[str, str], Unit] = {}
    for key, unit_plan in unit_plans.items():
        unit = units.get(key)
        if unit is None:
            missing = [attr for attr in ("floor", "area") if getattr(unit_plan, attr) is None]
            for attr in missing:
                errors.append(row_error(unit_plan.line, COLUMNS[attr][0], _("新房屋必须填写此项")))
            if missing:
                continue
            status = unit_plan.status or (
                UnitStatus.OCCUPIED if unit_plan.has_resident else UnitStatus.VACANT
            )
            building = buildings.get(unit_plan.building)
            unit = unit_by_key[key] = Unit(
                company_id=company_id,
                project_id=project.pk,
                building_id=building.pk if building else None,  # a new one: set when written
                floor=unit_plan.floor,
                number=unit_plan.number,
                area=unit_plan.area,
                status=status,
            )
            chunk.new_units.append((unit_plan.building, unit))
            parts.append(f"unit+{key}|{unit.floor}|{unit.area}|{status}")
            continue
        unit_by_key[key] = unit
        changes = {}
        status = unit_plan.status
        if status is None and unit_plan.has_resident and unit.status == UnitStatus.VACANT:
            status = UnitStatus.OCCUPIED
        for attr, value in (("floor", unit_plan.floor), ("area", unit_plan.area), ("status", status)):
            if value is not None and getattr(unit, attr) != value:
                changes[attr] = [journal.jsonable(getattr(unit, attr)), journal.jsonable(value)]
                plan._change(
                    unit_plan.lines.get(attr, unit_plan.line),
                    _("房屋"),
                    f"{unit_plan.building} {unit.number}",
                    str(Unit._meta.get_field(attr).verbose_name),
                    _shown(attr, getattr(unit, attr)),
                    _shown(attr, value),
                )
                setattr(unit, attr, value)
        if changes:
            chunk.changed_units.append((unit, changes))
            parts.append(f"unit~{unit.pk}|{json.dumps(changes, sort_keys=True)}")
        else:
            unchanged += 1

    # 4. Residents: each row's person by its key; what each person should become.
    person_of_row: dict[int, object] = {}  # row line → Resident (existing) or phone (new)
    wanted: dict[int, tuple[str, str, Row]] = {}  # resident id → (name, phone, first row)
    new_people: dict[str, tuple[str, int]] = {}  # phone → (name, first line), new in this chunk
    for row in people_rows:
        unit = unit_by_key.get((row.building, row.number))
        resident = None
        if row.resident_id is not None:
            resident = by_id.get(row.resident_id)
            if resident is None or not may_change(resident):
                errors.append(
                    row_error(
                        row.line,
                        _label(row, "resident_id"),
                        _("住户编号 %(id)s 不存在") % {"id": row.resident_id},
                    )
                )
                continue
        elif unit is not None and unit.pk and (unit.pk, row.name) in by_unit_name:
            candidates = by_unit_name[(unit.pk, row.name)]
            same_phone = [r for r in candidates if r.phone == row.phone]
            resident = same_phone[0] if same_phone else (candidates[0] if len(candidates) == 1 else None)
        if resident is None:
            resident = by_phone.get(row.phone)
        if resident is None:
            known = new_people.get(row.phone) or people_before.get(row.phone)
            if known is None:
                if row.phone in taken_before:  # an earlier chunk's change gives it to someone
                    errors.append(row_error(row.line, _label(row, "phone"), _("该手机号已属于另一位住户")))
                new_people[row.phone] = (row.name, row.line)
            elif known[0] != row.name:
                errors.append(
                    row_error(
                        row.line,
                        _label(row, "name"),
                        _("与第%(other)s行同一手机号的姓名不一致") % {"other": known[1]},
                    )
                )
            person_of_row[row.line] = row.phone
            continue
        person_of_row[row.line] = resident
        # The first row naming this person, here or in an earlier chunk: (name, phone, line).
        earlier = matched_before.get(resident.pk)
        if earlier is None and resident.pk in wanted:
            earlier = (*wanted[resident.pk][:2], wanted[resident.pk][2].line)
        if earlier is None:
            wanted[resident.pk] = (row.name, row.phone, row)
        elif earlier[:2] != (row.name, row.phone):
            what = "name" if earlier[0] != row.name else "phone"
            errors.append(
                row_error(
                    row.line,
                    _label(row, what),
                    _("与第%(other)s行同一住户的值不一致") % {"other": earlier[2]},
                )
            )
    phone_taken: dict[str, tuple[int, int]] = {}
    for pk, (name, phone, row) in wanted.items():
        resident = existing[pk]
        changes = {}
        if phone != resident.phone:
            owner = by_phone.get(phone)
            if (
                (owner is not None and owner.pk != pk)
                or phone in new_people
                or phone in people_before
                or phone in phone_taken
                or phone in taken_before
            ):
                errors.append(row_error(row.line, _label(row, "phone"), _("该手机号已属于另一位住户")))
                continue
            if not may_change(resident):
                errors.append(
                    row_error(row.line, _label(row, "phone"), _("该住户不在您服务的项目中，不能修改"))
                )
                continue
            phone_taken[phone] = (pk, row.line)
            changes["phone"] = [resident.phone, phone]
        if name != resident.name and may_change(resident):
            changes["name"] = [resident.name, name]
        if not changes:
            unchanged += 1
            continue
        for attr, (before, after) in changes.items():
            plan._change(
                row.line,
                _("住户"),
                resident.name,
                str(Resident._meta.get_field(attr).verbose_name),
                _shown(attr, before),
                after,  # the uploader's own value; the old number stays masked
            )
            setattr(resident, attr, after)
        chunk.changed_residents.append((resident, changes))
        parts.append(f"resident~{pk}|{json.dumps(changes, sort_keys=True)}")
    new_residents = {
        phone: Resident(company_id=company_id, project_id=project.pk, name=name, phone=phone)
        for phone, (name, _line) in new_people.items()
    }
    chunk.new_residents = list(new_residents.values())
    parts.extend(f"resident+{phone}|{r.name}" for phone, r in new_residents.items())
    spool.remember(
        people=[(phone, name, line) for phone, (name, line) in new_people.items()],
        matched=[(pk, name, phone, row.line) for pk, (name, phone, row) in wanted.items()],
        taken=[(phone, pk, line) for phone, (pk, line) in phone_taken.items()],
    )

    # 5. Ties (every row of a unit is in this chunk): new ones, changed start days, move-outs.
    seen: dict[tuple, Row] = {}
    for row in people_rows:
        person = person_of_row.get(row.line)
        unit = unit_by_key.get((row.building, row.number))
        if person is None or unit is None:
            continue
        is_new = isinstance(person, str)
        person_key = ("new", person) if is_new else ("id", person.pk)
        tie_key = (person_key, (row.building, row.number), row.relation)
        earlier = seen.get(tie_key)
        if earlier is not None:
            if row.start_on is not None and earlier.start_on not in (None, row.start_on):
                errors.append(
                    row_error(
                        row.line,
                        _label(row, "start_on"),
                        _("与第%(other)s行同一入住关系的日期不一致") % {"other": earlier.line},
                    )
                )
            continue
        seen[tie_key] = row
        resident_pk = None if is_new else person.pk
        tie = open_ties.get((resident_pk, unit.pk, row.relation)) if resident_pk and unit.pk else None
        label = f"{row.name}（{row.building} {row.number}）"
        if (
            tie is None
            and resident_pk
            and unit.pk
            and (resident_pk, unit.pk, row.relation, row.end_on) in ended_ties
        ):
            unchanged += 1  # moved out on that day already
            continue
        if tie is None:
            start_on = row.start_on or today
            if row.end_on is not None and row.end_on < start_on:
                errors.append(row_error(row.line, _label(row, "end_on"), _("结束日期不能早于入住日期")))
                continue
            # Who: an existing resident's id, this chunk's new resident, or an earlier chunk's (phone).
            who = resident_pk if not is_new else new_residents.get(person, person)
            chunk.new_occupancies.append((who, unit, row.relation, start_on, row.end_on))
            parts.append(
                f"tie+{person_key}|{row.building}|{row.number}|{row.relation}|{start_on}|{row.end_on}"
            )
            continue
        if row.end_on is not None and row.end_on != tie.end_on and row.end_on < tie.start_on:
            errors.append(row_error(row.line, _label(row, "end_on"), _("结束日期不能早于入住日期")))
            continue
        touched = False
        if row.start_on is not None and tie.start_on != row.start_on:
            changes = {"start_on": [tie.start_on.isoformat(), row.start_on.isoformat()]}
            plan._change(row.line, _("入住关系"), label, _label(row, "start_on"), *changes["start_on"])
            tie.start_on = row.start_on
            chunk.changed_occupancies.append((tie, changes))
            parts.append(f"tie~{tie.pk}|{json.dumps(changes)}")
            touched = True
        if row.end_on is not None and row.end_on != tie.end_on:
            chunk.move_outs.append((tie, row.end_on))
            before = journal.jsonable(tie.end_on) or ""
            plan._change(row.line, _("迁出"), label, _label(row, "end_on"), before, row.end_on.isoformat())
            parts.append(f"out~{tie.pk}|{row.end_on}")
            touched = True
        if not touched:
            unchanged += 1

    plan.outcome.unchanged += unchanged
    for name in _COUNTED:
        plan.sizes[name] += len(getattr(chunk, name))
    plan._add_to_digest(parts)
    return chunk


def plan_rows(*, project: Project, rows, actor, spool: Spool, keep: bool = True) -> Plan:
    """``plan_file`` for rows at hand (tests, a file read by the caller): spooled first."""
    spool.add_rows(rows)
    return plan_file(project=project, spool=spool, actor=actor, keep=keep)
