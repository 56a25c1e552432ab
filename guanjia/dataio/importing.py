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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.phones import normalise_phone
from guanjia.estates.choices import Relation, UnitStatus
from guanjia.estates.models import Project

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
    # A move-out: the tie's last day (an export made for re-import carries it).
    "end_on": ("结束日期", "迁出日期", "退租日期"),
    # The keys an export made for re-import carries: the project (must be the one imported into)
    # and the resident's id, so that a changed phone or name changes that person.
    "project": ("项目", "项目名称"),
    "resident_id": ("住户编号", "住户ID"),
}
TEMPLATE_HEADERS = [COLUMNS[key][0] for key in list(COLUMNS)[:10]]
TEMPLATE_EXAMPLE = ["1栋", 12, "1201", "89.50", "已入住", "张三", "13800138000", "业主", "2024-01-01", ""]

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
    end_on: datetime.date | None = None
    project: str = ""
    resident_id: int | None = None
    # The headers the file used, so later checks name columns the way the user wrote them.
    labels: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class Outcome:
    """What an import did (or, with errors, would not do)."""

    errors: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved_out: int = 0
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


def _clean_id(raw) -> int | None:
    value = _text(raw)
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise CellError(_('"%(value)s" 不是有效的编号') % {"value": value})
    return int(value)


def _header_key(header) -> str | None:
    cleaned = _HEADER_NOISE.sub("", _text(header))
    for key, aliases in COLUMNS.items():
        if cleaned in aliases:
            return key
    return None


def parse_rows(table, *, progress: Callable[[int], None] | None = None, ignored: list | None = None):
    """Check every cell of every row; return (rows, errors). Touches no database."""
    errors: list[dict] = []
    rows = list(check_rows(table, errors=errors, progress=progress, ignored=ignored))
    return rows, errors


def check_rows(
    table,
    *,
    errors: list[dict],
    progress: Callable[[int], None] | None = None,
    ignored: list | None = None,
) -> Iterator[Row]:
    """Check every cell of every row as a stream: yields each clean row, appends the errors of
    the others to ``errors``. Touches no database and keeps no row.

    ``table``: any iterable of rows, read once (a stream from ``read_table``). ``ignored``: a list
    that receives the headers of the columns the import does not use, to tell the user."""
    table = iter(table)
    header_row = next(table, None)
    if header_row is None:
        errors.append(row_error(1, "", _("文件是空的")))
        return
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
        return
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
        "end_on": _clean_date,
        "project": lambda v: _clean_text(v, 100),
        "resident_id": _clean_id,
    }
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
        if row.resident_id is not None and not row.phone:
            row_errors.append(row_error(line, labels["phone"], _("填写了住户编号时必须填写姓名和手机号")))
        if row.end_on is not None and not row.phone:
            row_errors.append(row_error(line, labels["phone"], _("填写了结束日期时必须填写住户")))
        if row.end_on and row.start_on and row.end_on < row.start_on:
            row_errors.append(row_error(line, labels["end_on"], _("结束日期不能早于入住日期")))
        if row_errors:
            errors.extend(row_errors)
            continue
        yield row
    if progress is not None:
        progress(offset + 1)


# Matching and writing: ``planning``, ``writing`` --------------------------------------------------


def apply_rows(*, project: Project, rows: list[Row], actor, writer=None) -> Outcome:
    """Match the rows against the project's records and, if the whole file is consistent, write
    them (``planning.plan_rows`` then ``writing.write_plan``)."""
    from guanjia.dataio import planning, writing
    from guanjia.dataio.spool import Spool

    with Spool() as spool:
        plan = planning.plan_rows(project=project, rows=rows, actor=actor, spool=spool)
        if plan.outcome.errors:
            return plan.outcome
        return writing.write_plan(plan, writer=writer)
