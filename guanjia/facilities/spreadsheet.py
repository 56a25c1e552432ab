"""The equipment ledger as a spreadsheet: export, and an all-or-nothing import of the same format.

Reuses the import machinery of ``guanjia.dataio`` (file reading, cell checks, per-row error report).
A row matches an existing item of the project by 设备编号, so re-importing a file changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.dataio.importing import (
    CellError,
    _clean_choice,
    _clean_date,
    _clean_text,
    _text,
    cap_errors,
    row_error,
)
from guanjia.dataio.spreadsheets import rows_to_xlsx, sheets_to_xlsx
from guanjia.estates.models import Building, Project
from guanjia.facilities import selectors, services
from guanjia.facilities.choices import EquipmentStatus
from guanjia.facilities.models import Equipment, EquipmentType

# key → header (the first is what we write; the others are accepted on import)
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("设备编号", "编号"),
    "name": ("名称", "设备名称"),
    "type": ("类型", "设备类型"),
    "building": ("楼栋",),
    "floor": ("楼层",),
    "room": ("位置", "房间", "位置/房间"),
    "serial_no": ("出厂编号", "序列号"),
    "model_no": ("型号", "规格型号"),
    "vendor": ("生产厂家", "厂家", "品牌"),
    "contractor": ("维保单位",),
    "contract_starts": ("维保合同开始",),
    "contract_ends": ("维保合同结束",),
    "installed_on": ("安装日期",),
    "warranty_until": ("保修截止", "质保截止"),
    "status": ("状态",),
    "notes": ("备注",),
}
TEXT_LIMITS = {
    "code": 30,
    "name": 100,
    "floor": 10,
    "room": 60,
    "serial_no": 60,
    "model_no": 60,
    "vendor": 100,
    "contractor": 100,
    "notes": 1000,
}
DATES = ("contract_starts", "contract_ends", "installed_on", "warranty_until")


def _type_label(t: EquipmentType) -> str:
    return f"{t.parent.name}/{t.name}" if t.parent_id else t.name


def export_rows(queryset) -> list[list]:
    rows = [[aliases[0] for aliases in COLUMNS.values()]]
    for e in queryset.select_related("type__parent", "building").order_by("project_id", "code"):
        rows.append(
            [
                e.code,
                e.name,
                _type_label(e.type),
                e.building.name if e.building_id else "",
                e.floor,
                e.room,
                e.serial_no,
                e.model_no,
                e.vendor,
                e.contractor,
                *[getattr(e, d).isoformat() if getattr(e, d) else "" for d in DATES],
                e.get_status_display(),
                e.notes,
            ]
        )
    return rows


def export_xlsx(queryset) -> bytes:
    return rows_to_xlsx(export_rows(queryset), title=_("设备台账"))


def _header_map(header: list) -> dict[int, str]:
    found = {}
    for index, cell in enumerate(header):
        text = _text(cell).replace("*", "").strip()
        for key, aliases in COLUMNS.items():
            if text in aliases:
                found[index] = key
    return found


def import_table(*, actor, project: Project, table: list[list]) -> dict[str, int]:
    """Create or update the project's items from the rows; nothing is written unless every row is
    clean. Raises ValidationError({"file": [...row errors...]})."""
    if not table:
        raise ValidationError({"file": _("文件是空的")})
    columns = _header_map(table[0])
    if "name" not in columns.values() or "type" not in columns.values():
        raise ValidationError({"file": _("缺少必需的列：名称、类型")})
    labels = {key: aliases[0] for key, aliases in COLUMNS.items()}
    types = {}
    for t in EquipmentType.objects.visible_to(actor).select_related("parent"):
        types.setdefault(t.name, t)
        types[_type_label(t)] = t
    buildings = {b.name: b for b in Building.objects.visible_to(actor).filter(project=project)}
    existing = {e.code: e for e in Equipment.objects.visible_to(actor).filter(project=project)}
    status_table = {str(label): value for value, label in EquipmentStatus.choices} | {
        v: v for v in EquipmentStatus.values
    }
    errors, parsed = [], []
    seen_codes: set[str] = set()
    for offset, raw in enumerate(table[1:], start=2):
        if not any(_text(v) for v in raw):
            continue
        values = {columns[i]: v for i, v in enumerate(raw) if i in columns}
        data: dict = {}
        for key in COLUMNS:
            try:
                value = values.get(key)
                if key in TEXT_LIMITS:
                    data[key] = _clean_text(value, TEXT_LIMITS[key])
                elif key in DATES:
                    data[key] = _clean_date(value)
                elif key == "status":
                    data[key] = (
                        _clean_choice(value, EquipmentStatus, status_table, _("状态"))
                        or EquipmentStatus.IN_SERVICE
                    )
                elif key == "type":
                    name = _text(value).replace(" / ", "/")
                    if name not in types:
                        raise CellError(
                            _("没有这个设备类型：“%(v)s”") % {"v": name} if name else _("此项为必填项")
                        )
                    data["type_id"] = types[name].pk
                elif key == "building":
                    name = _text(value)
                    if name and name not in buildings:
                        raise CellError(_("本项目没有楼栋“%(v)s”") % {"v": name})
                    data["building_id"] = buildings[name].pk if name else None
            except CellError as exc:
                errors.append(row_error(offset, labels[key], str(exc)))
        if not data.get("name"):
            errors.append(row_error(offset, labels["name"], _("此项为必填项")))
        code = data.get("code") or ""
        if code:
            if code in seen_codes:
                errors.append(row_error(offset, labels["code"], _("与前面的行重复")))
            seen_codes.add(code)
        parsed.append((offset, data))
    if errors:
        raise ValidationError({"file": [e["text"] for e in cap_errors(errors)]})
    created = updated = 0
    with transaction.atomic():
        for offset, data in parsed:
            item = existing.get(data.get("code") or "")
            try:
                if item is None:
                    services.equipment_create(actor=actor, data={**data, "project_id": project.pk})
                    created += 1
                else:
                    changes = {k: v for k, v in data.items() if k not in ("code",)}
                    services.equipment_update(actor=actor, equipment=item, data=changes)
                    updated += 1
            except ValidationError as exc:
                messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                field, text = next(iter(messages.items()))
                raise ValidationError({"file": [row_error(offset, field, text[0])["text"]]}) from exc
    return {"created": created, "updated": updated}


COST_SHEETS = (
    ("equipment", _("按设备")),
    ("type", _("按类型")),
    ("project", _("按项目")),
    ("year", _("按年度")),
)


def costs_xlsx(user, *, year: int | None = None, project_id: int | None = None) -> bytes:
    """Cost totals per item, type, project and year, one sheet each. Amounts are numbers (two
    decimals); residents' charges are a separate column, not part of the cost total."""
    header = [
        _("汇总项"),
        _("手工录入（发票）"),
        _("维修用料"),
        _("成本合计"),
        _("向业主收费（不计入成本）"),
    ]

    def sheet(by: str):
        yield [str(h) for h in header]
        rows = selectors.cost_totals(user, by=by, year=year, project_id=project_id)
        for r in rows:
            yield [r["label"], r["manual"], r["repairs"], r["total"], r["billed"]]
        total = selectors.cost_sum(rows)
        yield [str(_("总计")), total["manual"], total["repairs"], total["total"], total["billed"]]

    return sheets_to_xlsx((title, sheet(by)) for by, title in COST_SHEETS)
