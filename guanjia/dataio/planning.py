"""Matching checked rows against a project and writing what differs: a plan, then its writing.

``plan_rows`` only reads. It loads exactly the records the file names (its buildings' units by
number, the open ties of those units, the residents by id and by phone), never the whole project,
so a one-row import into a project of 50,000 units reads a handful of rows.

Stable keys. A unit is (building, number). A resident is, in this order: the id from an export
(住户编号); else the person of that name with an open tie to that unit; else the company's
resident with that phone; else a new person. A matched resident whose phone or name differs is
changed (a new phone changes that person's phone, it does not create a second person). A tie is
(resident, unit, relation); a row with an end date (结束日期) ends that tie through the estates
move-out service (``occupancy_end_unchecked``). Rows missing from a file change nothing: a file
may hold part of a project.

The plan also describes itself for a dry run (``Plan.preview``): how many records are new,
changed and moved out, the changed rows with their old and new values, and a digest of every
write, so that a confirmed run can prove it writes what the person saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.phones import mask_phone
from guanjia.core.scoping import scope_for
from guanjia.dataio.importing import COLUMNS, Outcome, Row, row_error
from guanjia.estates.choices import UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit

PREVIEW_ROWS = 300
CHUNK = 500


def _label(row: Row, key: str) -> str:
    return row.labels.get(key, COLUMNS[key][0])


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
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
class Plan:
    outcome: Outcome
    new_buildings: list = field(default_factory=list)
    new_units: list = field(default_factory=list)
    changed_units: list = field(default_factory=list)
    new_residents: list = field(default_factory=list)
    changed_residents: list = field(default_factory=list)
    # (resident or its plan object, unit object, relation, start_on, end_on)
    new_occupancies: list = field(default_factory=list)
    changed_occupancies: list = field(default_factory=list)
    move_outs: list = field(default_factory=list)  # (occupancy, last day)
    changes: list[dict] = field(default_factory=list)  # the preview's lines
    _digest_parts: list[str] = field(default_factory=list)
    phones: frozenset = frozenset()

    @property
    def digest(self) -> str:
        return hashlib.sha256("\n".join(sorted(self._digest_parts)).encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        new = (
            len(self.new_buildings)
            + len(self.new_units)
            + len(self.new_residents)
            + len(self.new_occupancies)
        )
        changed = len(self.changed_units) + len(self.changed_residents) + len(self.changed_occupancies)
        return {"new": new, "changed": changed, "moved_out": len(self.move_outs)}

    def preview(self) -> dict:
        """What a dry run shows: exact counts, the first ``PREVIEW_ROWS`` changes."""
        changes = sorted(self.changes, key=lambda c: c["row"])
        return {
            **self.counts(),
            "detail": {
                "buildings": len(self.new_buildings),
                "units": len(self.new_units),
                "residents": len(self.new_residents),
                "occupancies": len(self.new_occupancies),
            },
            "change_count": len(changes),
            "changes": changes[:PREVIEW_ROWS],
            "digest": self.digest,
        }

    def _change(self, line: int, kind: str, what: str, label: str, before, after) -> None:
        self.changes.append(
            {"row": line, "kind": kind, "what": what, "field": label, "before": before, "after": after}
        )


def _shown(field_name: str, value) -> str:
    if value is None:
        return ""
    if field_name == "phone":
        return mask_phone(value)
    return str(value)


def plan_rows(*, project: Project, rows: list[Row], actor) -> Plan:
    """Match the rows against the project's records; every create, change and move-out planned,
    nothing written. With errors, ``plan.outcome.errors`` lists them and nothing else counts."""
    plan = Plan(outcome=Outcome())
    errors = plan.outcome.errors
    today = timezone.localdate()
    company_id = project.company_id
    parts = plan._digest_parts

    # 1. Fold rows into one plan per unit, reporting rows that disagree.
    unit_plans: dict[tuple[str, str], _UnitPlan] = {}
    building_floors: dict[str, int] = {}
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
        building_floors.setdefault(row.building, 1)
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
        if row.floor is not None:
            building_floors[row.building] = max(building_floors[row.building], row.floor)
        if row.phone:
            unit_plan.has_resident = True
            people_rows.append(row)

    # 2. What exists already: only what the file names.
    buildings = {b.name: b for b in Building.objects.filter(project=project)}
    units: dict[tuple[str, str], Unit] = {}
    numbers_by_building: dict[str, list[str]] = {}
    for building, number in unit_plans:
        if building in buildings:
            numbers_by_building.setdefault(building, []).append(number)
    for name, numbers in numbers_by_building.items():
        for chunk in _chunks(numbers):
            for unit in Unit.objects.filter(
                building=buildings[name], number__in=chunk, deleted_at__isnull=True
            ):
                unit.building = buildings[name]
                units[(name, unit.number)] = unit
    open_ties: dict[tuple[int, int, str], Occupancy] = {}
    by_unit_name: dict[tuple[int, str], list[Resident]] = {}
    unit_ids = [u.pk for u in units.values()]
    for chunk in _chunks(unit_ids):
        for tie in (
            Occupancy.objects.filter(unit_id__in=chunk, ended_at__isnull=True)
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
    for chunk in _chunks(unit_ids) if end_days else ():
        ended_ties.update(
            Occupancy.objects.filter(unit_id__in=chunk, end_on__in=end_days).values_list(
                "resident_id", "unit_id", "relation", "end_on"
            )
        )
    by_id: dict[int, Resident] = {}
    for chunk in _chunks(sorted({r.resident_id for r in people_rows if r.resident_id})):
        for resident in Resident.objects.filter(company_id=company_id, deleted_at__isnull=True, pk__in=chunk):
            by_id[resident.pk] = resident
    by_phone: dict[str, Resident] = {}
    for chunk in _chunks(sorted({r.phone for r in people_rows})):
        for resident in Resident.objects.filter(
            company_id=company_id, deleted_at__isnull=True, phone__in=chunk
        ):
            by_phone[resident.phone] = resident
    scope = scope_for(actor)
    known_ids = sorted({r.pk for r in [*by_id.values(), *by_phone.values()]})
    lives_here: set[int] = set()
    for chunk in _chunks(known_ids):
        lives_here.update(
            Occupancy.objects.filter(project=project, resident_id__in=chunk).values_list(
                "resident_id", flat=True
            )
        )
    for residents in by_unit_name.values():
        lives_here.update(r.pk for r in residents)

    def may_change(resident: Resident) -> bool:
        # A resident registered in a project the importer does not serve keeps their name.
        return scope.is_hq or resident.project_id in scope.project_ids or resident.pk in lives_here

    # 3. Buildings and units.
    new_buildings = {
        name: Building(company_id=company_id, project=project, name=name, floors_above=max(1, floors))
        for name, floors in building_floors.items()
        if name not in buildings
    }
    plan.new_buildings = list(new_buildings.values())
    parts.extend(f"building+{name}" for name in new_buildings)
    unchanged = len(building_floors) - len(new_buildings)
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
            unit = unit_by_key[key] = Unit(
                company_id=company_id,
                project=project,
                building=buildings.get(unit_plan.building) or new_buildings[unit_plan.building],
                floor=unit_plan.floor,
                number=unit_plan.number,
                area=unit_plan.area,
                status=status,
            )
            plan.new_units.append(unit)
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
                    f"{unit.building.name} {unit.number}",
                    str(Unit._meta.get_field(attr).verbose_name),
                    _shown(attr, getattr(unit, attr)),
                    _shown(attr, value),
                )
                setattr(unit, attr, value)
        if changes:
            plan.changed_units.append((unit, changes))
            parts.append(f"unit~{unit.pk}|{json.dumps(changes, sort_keys=True)}")
        else:
            unchanged += 1

    # 4. Residents: each row's person by its key; what each person should become.
    person_of_row: dict[int, object] = {}  # row line → Resident (existing) or phone (new)
    wanted: dict[int, tuple[str, str, Row]] = {}  # resident id → (name, phone, first row)
    new_people: dict[str, tuple[str, int]] = {}  # phone → (name, first line)
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
            known = new_people.get(row.phone)
            if known is None:
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
        earlier = wanted.get(resident.pk)
        if earlier is None:
            wanted[resident.pk] = (row.name, row.phone, row)
        elif earlier[:2] != (row.name, row.phone):
            what = "name" if earlier[0] != row.name else "phone"
            errors.append(
                row_error(
                    row.line,
                    _label(row, what),
                    _("与第%(other)s行同一住户的值不一致") % {"other": earlier[2].line},
                )
            )
    existing = {r.pk: r for r in [*by_id.values(), *by_phone.values()]}
    for residents in by_unit_name.values():
        existing.update((r.pk, r) for r in residents)
    phone_taken: dict[str, int] = {}
    for pk, (name, phone, row) in wanted.items():
        resident = existing[pk]
        changes = {}
        if phone != resident.phone:
            owner = by_phone.get(phone)
            if (owner is not None and owner.pk != pk) or phone in new_people or phone in phone_taken:
                errors.append(row_error(row.line, _label(row, "phone"), _("该手机号已属于另一位住户")))
                continue
            if not may_change(resident):
                errors.append(
                    row_error(row.line, _label(row, "phone"), _("该住户不在您服务的项目中，不能修改"))
                )
                continue
            phone_taken[phone] = pk
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
        plan.changed_residents.append((resident, changes))
        parts.append(f"resident~{pk}|{json.dumps(changes, sort_keys=True)}")
    new_residents = {
        phone: Resident(company_id=company_id, project=project, name=name, phone=phone)
        for phone, (name, _line) in new_people.items()
    }
    plan.new_residents = list(new_residents.values())
    parts.extend(f"resident+{phone}|{r.name}" for phone, r in new_residents.items())

    # 5. Ties: new ones, changed start days, move-outs.
    seen: dict[tuple, Row] = {}
    for row in people_rows:
        person = person_of_row.get(row.line)
        unit = unit_by_key.get((row.building, row.number))
        if person is None or unit is None:
            continue
        person_key = ("new", person) if isinstance(person, str) else ("id", person.pk)
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
        resident = new_residents[person] if isinstance(person, str) else person
        tie = open_ties.get((resident.pk, unit.pk, row.relation)) if resident.pk and unit.pk else None
        label = f"{resident.name}（{unit.building.name} {unit.number}）"
        if (
            tie is None
            and resident.pk
            and unit.pk
            and (resident.pk, unit.pk, row.relation, row.end_on) in ended_ties
        ):
            unchanged += 1  # moved out on that day already
            continue
        if tie is None:
            start_on = row.start_on or today
            if row.end_on is not None and row.end_on < start_on:
                errors.append(row_error(row.line, _label(row, "end_on"), _("结束日期不能早于入住日期")))
                continue
            plan.new_occupancies.append((resident, unit, row.relation, start_on, row.end_on))
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
            plan.changed_occupancies.append((tie, changes))
            parts.append(f"tie~{tie.pk}|{json.dumps(changes)}")
            touched = True
        if row.end_on is not None and row.end_on != tie.end_on:
            plan.move_outs.append((tie, row.end_on))
            before = journal.jsonable(tie.end_on) or ""
            plan._change(row.line, _("迁出"), label, _label(row, "end_on"), before, row.end_on.isoformat())
            parts.append(f"out~{tie.pk}|{row.end_on}")
            touched = True
        if not touched:
            unchanged += 1

    plan.outcome.unchanged = unchanged
    plan.phones = frozenset(row.phone for row in people_rows)
    if errors:
        errors.sort(key=lambda e: e["row"])
    return plan


def write_plan(plan: Plan, *, writer=None) -> Outcome:
    """Write a plan without errors: buildings, units, residents, ties, move-outs (``writer``:
    ``writing.DirectWriter`` in the caller's transaction, or ``BatchedWriter``)."""
    from guanjia.dataio.writing import DirectWriter
    from guanjia.estates.services import occupancy_end_unchecked

    writer = writer or DirectWriter()
    outcome = plan.outcome
    now = timezone.now()
    writer.begin(sum(plan.counts().values()))
    writer.create(Building, plan.new_buildings)
    for unit in plan.new_units:
        unit.building_id = unit.building.pk  # the building may have just been inserted
    writer.create(Unit, plan.new_units)
    writer.update(Unit, plan.changed_units, ["floor", "area", "status", "updated_at"], now)
    writer.update(Resident, plan.changed_residents, ["name", "phone", "updated_at"], now)
    writer.create(Resident, plan.new_residents)
    today = timezone.localdate()
    ties = []
    for resident, unit, relation, start_on, end_on in plan.new_occupancies:
        ties.append(
            Occupancy(
                company_id=unit.company_id,
                project_id=unit.project_id,
                resident_id=resident.pk,
                unit_id=unit.pk,
                relation=relation,
                start_on=start_on,
                end_on=end_on,
                ended_at=now if end_on is not None and end_on <= today else None,
            )
        )
    writer.create(Occupancy, ties)
    writer.update(Occupancy, plan.changed_occupancies, ["start_on", "updated_at"], now)
    # Move-outs one by one through the estates service (it also sets the unit vacant when empty).
    writer.call_each(
        [
            (
                tie,
                ("end_on", "ended_at"),
                lambda tie=tie, on=on: occupancy_end_unchecked(occupancy=tie, on=on),
            )
            for tie, on in plan.move_outs
        ]
    )
    outcome.created = plan.counts()["new"]
    outcome.updated = plan.counts()["changed"]
    outcome.moved_out = len(plan.move_outs)
    outcome.detail = {
        "created": {
            "buildings": len(plan.new_buildings),
            "units": len(plan.new_units),
            "residents": len(plan.new_residents),
            "occupancies": len(plan.new_occupancies),
        },
        "updated": {
            "units": len(plan.changed_units),
            "residents": len(plan.changed_residents),
            "occupancies": len(plan.changed_occupancies),
        },
        "moved_out": len(plan.move_outs),
    }
    return outcome
