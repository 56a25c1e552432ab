"""Reading, checking and writing an estates spreadsheet: buildings, units, residents, occupancies.

One sheet format: one row per resident in a unit (楼栋, 楼层, 房号, 面积, 房屋状态, 姓名, 手机号, 关系,
入住日期). A row without a resident creates or keeps just its building and unit; a file with only
楼栋 (and optionally 楼层/房号/面积/房屋状态) imports just buildings or units.

A file imports as a whole or not at all. ``parse_rows`` checks every cell without touching the
database; ``apply_rows`` matches the rows against what exists, checks what needs the database, and
only when the whole file is clean writes it with bulk inserts and updates, journaling each record.
Matching makes a re-import of the same file a no-op: building by (project, name), unit by
(building, number, not deleted), resident by (company, phone, not deleted), occupancy by
(resident, unit, relation, still open).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import journal
from guanjia.core.phones import normalise_phone
from guanjia.core.scoping import scope_for
from guanjia.estates.choices import Relation, UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}  # .xls/.ods: refused with a message
CSV_SUFFIXES = {".csv"}
BATCH = 1000
MAX_REPORTED_ERRORS = 1000

# Column key → the header in our template, then other headers users write for the same thing.
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("楼栋", "楼栋名称", "楼号", "楼宇"),
    "floor": ("楼层", "层"),
    "number": ("房号", "房间号", "门牌号"),
    "area": ("面积", "建筑面积"),
    "status": ("房屋状态", "状态"),
    "name": ("姓名", "住户姓名", "业主姓名"),
    "phone": ("手机号", "手机", "手机号码", "电话", "联系电话"),
    "relation": ("关系", "身份", "住户关系"),
    "start_on": ("入住日期", "起始日期", "开始日期"),
}
TEMPLATE_HEADERS = [aliases[0] for aliases in COLUMNS.values()]
TEMPLATE_EXAMPLE = ["1栋", 12, "1201", "89.50", "已入住", "张三", "13800138000", "业主", "2024-01-01"]

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_HEADER_NOISE = re.compile(r"[\s*＊]|[（(].*?[）)]")


@dataclass
class Row:
    """One checked spreadsheet row. ``line`` is the row number as the spreadsheet shows it."""

    line: int
    building: str
    floor: int | None = None
    number: str = ""
    area: Decimal | None = None
    status: str | None = None
    name: str = ""
    phone: str = ""
    relation: str = Relation.OWNER
    start_on: datetime.date | None = None
    # The headers the file used, so later checks name columns the way the user wrote them.
    labels: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class Outcome:
    """What an import did (or, with errors, would not do)."""

    errors: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    detail: dict[str, dict[str, int]] = field(default_factory=dict)


class CellError(Exception):
    pass


def row_error(line: int, label: str, message: str) -> dict:
    text = _("第%(line)s行 %(field)s: %(message)s") % {"line": line, "field": label, "message": message}
    if not label:
        text = _("第%(line)s行: %(message)s") % {"line": line, "message": message}
    return {"row": line, "field": label, "message": message, "text": text}


def cap_errors(errors: list[dict]) -> list[dict]:
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    more = len(errors) - MAX_REPORTED_ERRORS
    return [
        *errors[:MAX_REPORTED_ERRORS],
        {"row": 0, "field": "", "message": "", "text": _("……另有 %(n)s 处错误未列出") % {"n": more}},
    ]


# Reading ---------------------------------------------------------------------------------------


def read_table(fileobj, filename: str):
    """The first sheet of an .xlsx, or a .csv file, as a stream of rows (``reading``: bounded)."""
    from guanjia.dataio import reading

    try:
        yield from reading.iter_table(fileobj, filename)
    except reading.FileRefused as exc:
        raise exc.as_validation_error() from exc


def data_row_count(table) -> int:
    """The rows with any content below the header (``table``: any iterable of rows)."""
    rows = iter(table)
    next(rows, None)
    return sum(1 for row in rows if any(_text(v) for v in row))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


# Checking cells --------------------------------------------------------------------------------


def _clean_text(raw, max_length: int) -> str:
    value = _text(raw)
    if len(value) > max_length:
        raise CellError(_("不能超过 %(n)s 个字") % {"n": max_length})
    return value


def _clean_floor(raw) -> int | None:
    value = _text(raw)
    if not value:
        return None
    cleaned = value.removesuffix("层").removesuffix("F").removesuffix("f")
    try:
        floor = int(cleaned)
    except ValueError:
        raise CellError(_('"%(value)s" 不是整数') % {"value": value}) from None
    if not -10 <= floor <= 200:
        raise CellError(_("应在 -10 到 200 之间"))
    return floor


def _clean_area(raw) -> Decimal | None:
    value = _text(raw)
    if not value:
        return None
    try:
        area = Decimal(repr(raw) if isinstance(raw, float) else value.replace(",", ""))
    except InvalidOperation:
        raise CellError(_('"%(value)s" 不是数字') % {"value": value}) from None
    if not area.is_finite():
        raise CellError(_('"%(value)s" 不是数字') % {"value": value})
    area = area.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if area <= 0:
        raise CellError(_("必须大于 0"))
    if area >= Decimal("10000000"):
        raise CellError(_("数值过大"))
    return area


def _by_label(choices) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[str(label)] = value
        table[value] = value
    return table


def _clean_choice(raw, choices, table: dict[str, str], what: str) -> str | None:
    value = _text(raw)
    if not value:
        return None
    found = table.get(value)
    if found is None:
        labels = "、".join(str(label) for _value, label in choices.choices)
        raise CellError(
            _('"%(value)s" 不是有效的%(what)s（可选：%(labels)s）')
            % {"value": value, "what": what, "labels": labels}
        )
    return found


def _clean_date(raw) -> datetime.date | None:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        # An Excel date the sheet did not mark as a date: days since 1899-12-30.
        if 1 <= raw < 2958466:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(raw))
        raise CellError(_('"%(value)s" 不是有效日期，请用 YYYY-MM-DD') % {"value": _text(raw)})
    value = _text(raw)
    if not value:
        return None
    normalised = re.sub(r"[/.年月]", "-", value).removesuffix("日").split(" ")[0].split("T")[0]
    try:
        return datetime.date.fromisoformat(
            "-".join(part.zfill(2) for part in normalised.split("-")) if normalised.count("-") == 2 else ""
        )
    except ValueError:
        raise CellError(_('"%(value)s" 不是有效日期，请用 YYYY-MM-DD') % {"value": value}) from None


def _clean_phone(raw) -> str:
    value = _text(raw)
    if not value:
        return ""
    try:
        return normalise_phone(value)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def _header_key(header) -> str | None:
    cleaned = _HEADER_NOISE.sub("", _text(header))
    for key, aliases in COLUMNS.items():
        if cleaned in aliases:
            return key
    return None


def parse_rows(table, *, progress: Callable[[int], None] | None = None, ignored: list | None = None):
    """Check every cell of every row; return (rows, errors). Touches no database.

    ``table``: any iterable of rows, read once (a stream from ``read_table``). ``ignored``: a list
    that receives the headers of the columns the import does not use, to tell the user."""
    errors: list[dict] = []
    table = iter(table)
    header_row = next(table, None)
    if header_row is None:
        return [], [row_error(1, "", _("文件是空的"))]
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, header in enumerate(header_row):
        key = _header_key(header)
        if key is None:
            if ignored is not None and _text(header):
                ignored.append(_text(header))
            continue
        if key in columns:
            errors.append(row_error(1, _text(header), _("与“%(other)s”列重复") % {"other": labels[key]}))
            continue
        columns[key] = index
        labels[key] = _text(header)
    if "building" not in columns:
        errors.append(
            row_error(
                1, "", _("缺少“楼栋”列；表头应为：%(headers)s") % {"headers": "、".join(TEMPLATE_HEADERS)}
            )
        )
        return [], errors
    for key in COLUMNS:
        labels.setdefault(key, COLUMNS[key][0])

    statuses, relations = _by_label(UnitStatus), _by_label(Relation)
    cleaners = {
        "building": lambda v: _clean_text(v, 40),
        "floor": _clean_floor,
        "number": lambda v: _clean_text(v, 20),
        "area": _clean_area,
        "status": lambda v: _clean_choice(v, UnitStatus, statuses, _("房屋状态")),
        "name": lambda v: _clean_text(v, 60),
        "phone": _clean_phone,
        "relation": lambda v: _clean_choice(v, Relation, relations, _("关系")),
        "start_on": _clean_date,
    }
    rows: list[Row] = []
    offset = -1
    for offset, raw in enumerate(table):
        line = offset + 2
        if progress is not None and offset and offset % BATCH == 0:
            progress(offset)
        if not any(_text(v) for v in raw):
            continue
        values: dict = {}
        bad = False
        for key, index in columns.items():
            cell = raw[index] if index < len(raw) else ""
            try:
                values[key] = cleaners[key](cell)
            except CellError as exc:
                errors.append(row_error(line, labels[key], str(exc)))
                bad = True
        if bad:
            continue
        row = Row(line=line, labels=labels, **{k: v for k, v in values.items() if v is not None})
        row_errors = []
        if not row.building:
            row_errors.append(row_error(line, labels["building"], _("不能为空")))
        if row.name and not row.phone:
            row_errors.append(row_error(line, labels["phone"], _("填写了姓名时必须填写手机号")))
        if row.phone and not row.name:
            row_errors.append(row_error(line, labels["name"], _("填写了手机号时必须填写姓名")))
        if (row.phone or row.name) and not row.number:
            row_errors.append(row_error(line, labels["number"], _("填写了住户时必须填写房号")))
        if not row.number and (row.floor is not None or row.area is not None or row.status):
            row_errors.append(row_error(line, labels["number"], _("填写了楼层、面积或状态时必须填写房号")))
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(row)
    if progress is not None:
        progress(offset + 1)
    return rows, errors


# Matching and writing --------------------------------------------------------------------------


def _label(row: Row, key: str) -> str:
    return row.labels.get(key, COLUMNS[key][0])


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _UnitPlan:
    line: int
    building: str
    number: str
    floor: int | None = None
    area: Decimal | None = None
    status: str | None = None
    has_resident: bool = False
    lines: dict[str, int] = field(default_factory=dict)


def apply_rows(*, project: Project, rows: list[Row], actor, writer=None) -> Outcome:
    """Match the rows against the project's records; if every row is consistent, write them.

    Call with ``change_context(source=Source.IMPORT, actor=...)`` set. ``writer``: how to write
    (``writing.DirectWriter``, the default, in the caller's transaction; ``BatchedWriter`` in
    short transactions with an undo log). Everything up to the writing only reads.
    """
    from guanjia.dataio.writing import DirectWriter

    writer = writer or DirectWriter()
    outcome = Outcome()
    errors = outcome.errors
    today = timezone.localdate()
    company_id = project.company_id

    # 1. Fold rows into one plan per unit and per resident, reporting rows that disagree.
    unit_plans: dict[tuple[str, str], _UnitPlan] = {}
    building_floors: dict[str, int] = {}
    residents_in_file: dict[str, tuple[str, int]] = {}
    occupancy_rows: dict[tuple[str, tuple[str, str], str], Row] = {}
    for row in rows:
        building_floors.setdefault(row.building, 1)
        if not row.number:
            continue
        key = (row.building, row.number)
        plan = unit_plans.get(key)
        if plan is None:
            plan = unit_plans[key] = _UnitPlan(line=row.line, building=row.building, number=row.number)
        for attr in ("floor", "area", "status"):
            value = getattr(row, attr)
            if value is None:
                continue
            known = getattr(plan, attr)
            if known is None:
                setattr(plan, attr, value)
                plan.lines[attr] = row.line
            elif known != value:
                errors.append(
                    row_error(
                        row.line,
                        _label(row, attr),
                        _("与第%(other)s行同一房屋的值不一致") % {"other": plan.lines[attr]},
                    )
                )
        if row.floor is not None:
            building_floors[row.building] = max(building_floors[row.building], row.floor)
        if not row.phone:
            continue
        plan.has_resident = True
        known_name = residents_in_file.get(row.phone)
        if known_name is None:
            residents_in_file[row.phone] = (row.name, row.line)
        elif known_name[0] != row.name:
            errors.append(
                row_error(
                    row.line,
                    _label(row, "name"),
                    _("与第%(other)s行同一手机号的姓名不一致") % {"other": known_name[1]},
                )
            )
        occ_key = (row.phone, key, row.relation)
        earlier = occupancy_rows.get(occ_key)
        if earlier is None:
            occupancy_rows[occ_key] = row
        elif row.start_on is not None and earlier.start_on is not None and row.start_on != earlier.start_on:
            errors.append(
                row_error(
                    row.line,
                    _label(row, "start_on"),
                    _("与第%(other)s行同一入住关系的日期不一致") % {"other": earlier.line},
                )
            )
        elif earlier.start_on is None:
            occupancy_rows[occ_key] = row

    # 2. What exists already, one query per kind.
    buildings = {b.name: b for b in Building.objects.filter(project=project)}
    units = {
        (u.building_id, u.number): u for u in Unit.objects.filter(project=project, deleted_at__isnull=True)
    }
    residents: dict[str, Resident] = {}
    phones = list(residents_in_file)
    for chunk in _chunks(phones):
        for resident in Resident.objects.filter(
            company_id=company_id, deleted_at__isnull=True, phone__in=chunk
        ):
            residents[resident.phone] = resident
    occupancies = {
        (o.resident_id, o.unit_id, o.relation): o
        for o in Occupancy.objects.filter(project=project, end_on__isnull=True)
    }
    scope = scope_for(actor)
    residents_here = set(Occupancy.objects.filter(project=project).values_list("resident_id", flat=True))

    def may_change(resident: Resident) -> bool:
        # A resident registered in a project the importer does not serve keeps their name.
        return scope.is_hq or resident.project_id in scope.project_ids or resident.pk in residents_here

    # 3. Plan every create and update; nothing is written until the whole file is clean.
    now = timezone.now()
    new_buildings = {
        name: Building(company_id=company_id, project=project, name=name, floors_above=max(1, floors))
        for name, floors in building_floors.items()
        if name not in buildings
    }
    unchanged = len(building_floors) - len(new_buildings)
    all_buildings = {**buildings, **new_buildings}

    unit_by_key: dict[tuple[str, str], Unit] = {}
    new_units: list[Unit] = []
    changed_units: list[tuple[Unit, dict]] = []
    for key, plan in unit_plans.items():
        building = all_buildings[plan.building]
        unit = units.get((building.pk, plan.number)) if building.pk else None
        if unit is None:
            missing = [attr for attr in ("floor", "area") if getattr(plan, attr) is None]
            for attr in missing:
                errors.append(row_error(plan.line, COLUMNS[attr][0], _("新房屋必须填写此项")))
            if missing:
                continue
            status = plan.status or (UnitStatus.OCCUPIED if plan.has_resident else UnitStatus.VACANT)
            unit = unit_by_key[key] = Unit(
                company_id=company_id,
                project=project,
                building=building,
                floor=plan.floor,
                number=plan.number,
                area=plan.area,
                status=status,
            )
            new_units.append(unit)
            continue
        unit_by_key[key] = unit
        changes = {}
        status = plan.status
        if status is None and plan.has_resident and unit.status == UnitStatus.VACANT:
            status = UnitStatus.OCCUPIED
        for attr, value in (("floor", plan.floor), ("area", plan.area), ("status", status)):
            if value is not None and getattr(unit, attr) != value:
                changes[attr] = [journal.jsonable(getattr(unit, attr)), journal.jsonable(value)]
                setattr(unit, attr, value)
        if changes:
            changed_units.append((unit, changes))
        else:
            unchanged += 1

    new_residents: dict[str, Resident] = {}
    changed_residents: list[tuple[Resident, dict]] = []
    for phone, (name, _line) in residents_in_file.items():
        resident = residents.get(phone)
        if resident is None:
            new_residents[phone] = Resident(company_id=company_id, project=project, name=name, phone=phone)
        elif resident.name != name and may_change(resident):
            changed_residents.append((resident, {"name": [resident.name, name]}))
            resident.name = name
        else:
            unchanged += 1

    if errors:
        errors.sort(key=lambda e: e["row"])
        return outcome

    # 4. Write: buildings, units, residents, then the occupancies that tie them together.
    writer.begin(
        len(new_buildings)
        + len(new_units)
        + len(changed_units)
        + len(new_residents)
        + len(changed_residents)
        + len(occupancy_rows)
    )
    _bulk_create = writer.create
    _bulk_update = writer.update
    _bulk_create(Building, list(new_buildings.values()))
    for unit in new_units:
        unit.building_id = unit.building.pk  # the building may have just been inserted
    _bulk_create(Unit, new_units)
    _bulk_update(Unit, changed_units, ["floor", "area", "status", "updated_at"], now)
    _bulk_create(Resident, list(new_residents.values()))
    _bulk_update(Resident, changed_residents, ["name", "updated_at"], now)

    new_occupancies: list[Occupancy] = []
    changed_occupancies: list[tuple[Occupancy, dict]] = []
    for (phone, unit_key, relation), row in occupancy_rows.items():
        resident = new_residents.get(phone) or residents[phone]
        unit = unit_by_key[unit_key]
        occupancy = occupancies.get((resident.pk, unit.pk, relation))
        if occupancy is None:
            new_occupancies.append(
                Occupancy(
                    company_id=company_id,
                    project=project,
                    resident_id=resident.pk,
                    unit_id=unit.pk,
                    relation=relation,
                    start_on=row.start_on or today,
                )
            )
        elif row.start_on is not None and occupancy.start_on != row.start_on:
            changed_occupancies.append(
                (occupancy, {"start_on": [occupancy.start_on.isoformat(), row.start_on.isoformat()]})
            )
            occupancy.start_on = row.start_on
        else:
            unchanged += 1
    _bulk_create(Occupancy, new_occupancies)
    _bulk_update(Occupancy, changed_occupancies, ["start_on", "updated_at"], now)

    created = {
        "buildings": len(new_buildings),
        "units": len(new_units),
        "residents": len(new_residents),
        "occupancies": len(new_occupancies),
    }
    updated = {
        "units": len(changed_units),
        "residents": len(changed_residents),
        "occupancies": len(changed_occupancies),
    }
    outcome.created = sum(created.values())
    outcome.updated = sum(updated.values())
    outcome.unchanged = unchanged
    outcome.detail = {"created": created, "updated": updated}
    return outcome
