"""Exports of the list pages: the same filters and the same scope as the list, Chinese headers.

Residents' and staff members' phone numbers are masked (138****8000) in the lists' exports: a file
leaves the system and cannot be un-shared. The exception is the sheets made for re-import
(``residents_sheet``, ``occupancies_sheet``): they need the import permission and the permission
to reveal phones, and each resident in them gets a journaled look (``reveals_phones``).

The master data's exports are defined here. An app above dataio (requests, bills …) offers its
list with ``register_export`` from its ``AppConfig.ready``: dataio imports no such app. A list
whose page reads its filters from a form gives ``page_queryset``, the very function its page
calls, so the file holds exactly the rows the page shows — every page of them, up to ``max_rows``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticValidationError

from guanjia.core import journal
from guanjia.core.api import FilterSchema
from guanjia.core.models import ObjectChange
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require
from guanjia.dataio.spreadsheets import CSV_TYPE, XLSX_TYPE, rows_to_csv, rows_to_xlsx
from guanjia.estates import lists
from guanjia.estates.api import (
    BuildingFilter,
    OccupancyFilter,
    ProjectFilter,
    ResidentFilter,
    UnitFilter,
)
from guanjia.estates.choices import Relation, UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit
from guanjia.staff.api import StaffFilter
from guanjia.staff.models import StaffMember

FORMATS = ("xlsx", "csv")
# More rows than this are refused with a message: narrow the filter (the list pages count up to
# 10,000 too). A spec may set its own.
EXPORT_MAX_ROWS = 10_000
# A sheet made for re-import holds a whole project (as many rows as an import may have).
SHEET_MAX_ROWS = 200_000


def _date(value) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True)
class ExportSpec:
    """One exportable resource: what it lists, how it is filtered, the columns of the file."""

    name: str
    title: str
    model: type[models.Model]
    filters: type[FilterSchema]
    perm: str
    columns: list[tuple[str, Callable]]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    # ``(actor, filters) -> queryset``: the API list's rows (default: ``filters`` over ``visible_to``).
    queryset: Callable | None = None
    # ``(actor, query string) -> queryset``: the web list page's own rows, from its query string.
    page_queryset: Callable | None = None
    max_rows: int = EXPORT_MAX_ROWS
    # The file carries full phone numbers (made for re-import): needs ``REVEAL_PHONE`` and every
    # resident whose number it holds gets a journaled look, as when a number is revealed on screen.
    reveals_phones: bool = False


def _open_ties(queryset):
    """The ties that are not over (current or planned): what a re-import keeps or changes."""
    today = timezone.localdate()
    return (
        queryset.filter(ended_at__isnull=True)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=today))
        .order_by("unit__building__sort_key", "unit__sort_key", "id")
    )


def _residents_sheet(actor, params):
    """The residents list's rows (same filters and search) as the import sheet: one row per tie
    (of the list's project when it is filtered by one)."""
    ties = Occupancy.objects.visible_to(actor)
    project = str(params.get("project") or "")
    if project.isdigit():
        ties = ties.filter(project_id=int(project))
    narrowed = any(params.get(key) for key in params if key not in ("project", "page", "sort"))
    if narrowed or not project.isdigit():
        residents = lists.resident_list(actor, params)[1]
        ties = ties.filter(resident__in=residents.values("pk"))
    return _open_ties(ties)


def _label_of(choices):
    """``get_FOO_display`` without a lazy translation per row (120,000 rows): labels read once."""
    by_language: dict[str, dict] = {}

    def label(value):
        language = translation.get_language() or ""
        labels = by_language.get(language)
        if labels is None:
            labels = by_language[language] = {key: str(text) for key, text in choices.choices}
        return labels.get(value, value)

    return label


_unit_status_label = _label_of(UnitStatus)
_relation_label = _label_of(Relation)


# The import sheet's columns (``importing.COLUMNS``' headers) with the keys and full values.
IMPORT_SHEET_COLUMNS = [
    (gettext_lazy("项目"), lambda o: o.project.name),
    (gettext_lazy("楼栋"), lambda o: o.unit.building.name),
    (gettext_lazy("楼层"), lambda o: o.unit.floor),
    (gettext_lazy("房号"), lambda o: o.unit.number),
    (gettext_lazy("面积"), lambda o: o.unit.area),
    (gettext_lazy("房屋状态"), lambda o: _unit_status_label(o.unit.status)),
    (gettext_lazy("住户编号"), lambda o: o.resident_id),
    (gettext_lazy("姓名"), lambda o: o.resident.name),
    (gettext_lazy("手机号"), lambda o: o.resident.phone),
    (gettext_lazy("关系"), lambda o: _relation_label(o.relation)),
    (gettext_lazy("入住日期"), lambda o: _date(o.start_on)),
    (gettext_lazy("结束日期"), lambda o: _date(o.end_on)),
]


EXPORTS: dict[str, ExportSpec] = {
    spec.name: spec
    for spec in [
        ExportSpec(
            "projects",
            gettext_lazy("项目"),
            Project,
            ProjectFilter,
            Perm.VIEW_ESTATES,
            [
                (gettext_lazy("项目名称"), lambda o: o.name),
                (gettext_lazy("项目编码"), lambda o: o.code),
                (gettext_lazy("类型"), lambda o: o.get_kind_display()),
                (gettext_lazy("城市"), lambda o: o.city),
                (gettext_lazy("地址"), lambda o: o.address),
                (gettext_lazy("服务电话"), lambda o: o.service_phone),
            ],
            page_queryset=lambda actor, params: lists.project_list(actor, params)[1],
        ),
        ExportSpec(
            "buildings",
            gettext_lazy("楼栋"),
            Building,
            BuildingFilter,
            Perm.VIEW_ESTATES,
            [
                (gettext_lazy("项目"), lambda o: o.project.name),
                (gettext_lazy("楼栋"), lambda o: o.name),
                (gettext_lazy("地上层数"), lambda o: o.floors_above),
                (gettext_lazy("地下层数"), lambda o: o.floors_below),
                (gettext_lazy("备注"), lambda o: o.note),
            ],
            select_related=("project",),
            page_queryset=lambda actor, params: lists.building_list(actor, params)[1],
        ),
        ExportSpec(
            "units",
            gettext_lazy("房屋"),
            Unit,
            UnitFilter,
            Perm.VIEW_ESTATES,
            [
                (gettext_lazy("项目"), lambda o: o.project.name),
                (gettext_lazy("楼栋"), lambda o: o.building.name),
                (gettext_lazy("楼层"), lambda o: o.floor),
                (gettext_lazy("房号"), lambda o: o.number),
                (gettext_lazy("面积"), lambda o: o.area),
                (gettext_lazy("房屋状态"), lambda o: o.get_status_display()),
            ],
            select_related=("project", "building"),
            page_queryset=lambda actor, params: lists.unit_list(actor, params)[1],
        ),
        ExportSpec(
            "residents",
            gettext_lazy("住户"),
            Resident,
            ResidentFilter,
            Perm.VIEW_RESIDENTS,
            [
                (gettext_lazy("登记项目"), lambda o: o.project.name),
                (gettext_lazy("姓名"), lambda o: o.name),
                (gettext_lazy("手机号"), lambda o: mask_phone(o.phone)),
                (gettext_lazy("邮箱"), lambda o: o.email),
                (gettext_lazy("联系方式偏好"), lambda o: o.get_contact_preference_display()),
                (gettext_lazy("方便接听时间"), lambda o: o.preferred_call_times),
                (gettext_lazy("备注"), lambda o: o.note),
            ],
            select_related=("project",),
            page_queryset=lambda actor, params: lists.resident_list(actor, params)[1],
        ),
        ExportSpec(
            "occupancies",
            gettext_lazy("入住关系"),
            Occupancy,
            OccupancyFilter,
            Perm.VIEW_RESIDENTS,
            [
                (gettext_lazy("项目"), lambda o: o.project.name),
                (gettext_lazy("楼栋"), lambda o: o.unit.building.name),
                (gettext_lazy("楼层"), lambda o: o.unit.floor),
                (gettext_lazy("房号"), lambda o: o.unit.number),
                (gettext_lazy("面积"), lambda o: o.unit.area),
                (gettext_lazy("房屋状态"), lambda o: o.unit.get_status_display()),
                (gettext_lazy("姓名"), lambda o: o.resident.name),
                (gettext_lazy("手机号"), lambda o: mask_phone(o.resident.phone)),
                (gettext_lazy("关系"), lambda o: o.get_relation_display()),
                (gettext_lazy("入住日期"), lambda o: _date(o.start_on)),
                (gettext_lazy("结束日期"), lambda o: _date(o.end_on)),
            ],
            select_related=("project", "unit__building", "resident"),
        ),
        # Made for re-import: the residents list's people, one row per tie, with the keys (项目,
        # 住户编号) and full phones; edit it and import it back (``planning``).
        ExportSpec(
            "residents_sheet",
            gettext_lazy("住户（可重新导入）"),
            Occupancy,
            OccupancyFilter,
            Perm.IMPORT,
            IMPORT_SHEET_COLUMNS,
            select_related=("project", "unit__building", "resident"),
            page_queryset=_residents_sheet,
            reveals_phones=True,
            max_rows=SHEET_MAX_ROWS,
        ),
        ExportSpec(
            "occupancies_sheet",
            gettext_lazy("入住关系（可重新导入）"),
            Occupancy,
            OccupancyFilter,
            Perm.IMPORT,
            IMPORT_SHEET_COLUMNS,
            select_related=("project", "unit__building", "resident"),
            queryset=lambda actor, filters: _open_ties(filters.filter(Occupancy.objects.visible_to(actor))),
            reveals_phones=True,
            max_rows=SHEET_MAX_ROWS,
        ),
        ExportSpec(
            "staff",
            gettext_lazy("员工"),
            StaffMember,
            StaffFilter,
            Perm.VIEW_STAFF,
            [
                (gettext_lazy("姓名"), lambda o: o.name),
                (gettext_lazy("工号"), lambda o: o.employee_no),
                (gettext_lazy("部门"), lambda o: o.get_department_display()),
                (gettext_lazy("岗位"), lambda o: o.position),
                (gettext_lazy("手机号"), lambda o: mask_phone(o.phone)),
                (
                    gettext_lazy("角色"),
                    lambda o: "、".join(sorted(str(Role(r.role).label) for r in o.roles.all())),
                ),
                (gettext_lazy("服务项目"), lambda o: "、".join(sorted(p.name for p in o.projects.all()))),
                (gettext_lazy("技能"), lambda o: "、".join(sorted(s.name for s in o.skills.all()))),
            ],
            prefetch_related=("roles", "projects", "skills"),
        ),
    ]
}


def register_export(spec: ExportSpec) -> None:
    """Offer one more list for export (``/data/export/<name>.xlsx``, ``GET /api/v1/exports/<name>``).
    Called from the owning app's ``AppConfig.ready``, before the URLs are read."""
    EXPORTS[spec.name] = spec


def parse_filters(spec: ExportSpec, params) -> FilterSchema:
    """The list's filters from a query string; empty values mean "no filter", as on the list page."""
    data = {key: value for key, value in params.items() if value not in ("", None)}
    try:
        return spec.filters.model_validate(data)
    except PydanticValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            errors.setdefault(".".join(str(p) for p in err["loc"]) or "__all__", []).append(err["msg"])
        raise ValidationError(errors) from exc


def _queryset(spec: ExportSpec, actor, *, filters: FilterSchema | None, params):
    if filters is None and spec.page_queryset is not None:
        queryset = spec.page_queryset(actor, params if params is not None else {})
    else:
        if filters is None:
            filters = parse_filters(spec, params or {})
        if spec.queryset is not None:
            queryset = spec.queryset(actor, filters)
        else:
            queryset = filters.filter(spec.model.objects.visible_to(actor))
    if spec.select_related:
        queryset = queryset.select_related(*spec.select_related)
    if spec.prefetch_related:
        queryset = queryset.prefetch_related(*spec.prefetch_related)
    return queryset


def _check_size(spec: ExportSpec, queryset) -> None:
    """Refuse a file longer than ``spec.max_rows`` before writing any of it (counts at most one
    row past the cap, like the list's pager)."""
    if queryset[: spec.max_rows + 1].count() > spec.max_rows:
        raise ValidationError(
            {
                "__all__": _("符合条件的记录超过 %(max)s 条，超出导出上限，请缩小筛选范围后再导出")
                % {"max": spec.max_rows}
            }
        )


def export_rows(*, actor, resource: str, filters: FilterSchema | None = None, params=None):
    """The header and the rows of one export, scoped to what ``actor`` may see."""
    spec = EXPORTS[resource]
    require(actor, spec.perm)
    if spec.reveals_phones:
        require(actor, Perm.REVEAL_PHONE)
    queryset = _queryset(spec, actor, filters=filters, params=params)
    _check_size(spec, queryset)
    return _rows(spec, queryset)


def _rows(spec: ExportSpec, queryset):
    yield [str(header) for header, _getter in spec.columns]
    revealed: set[int] = set()
    waiting: list = []
    for obj in queryset.iterator(chunk_size=2000):
        if spec.reveals_phones and obj.resident_id not in revealed:
            revealed.add(obj.resident_id)
            waiting.append(obj.resident)
            if len(waiting) >= 1000:
                _journal_reveals(waiting)
        yield [getter(obj) for _header, getter in spec.columns]
    _journal_reveals(waiting)


def _journal_reveals(residents: list) -> None:
    """One journaled look per resident whose full number leaves in the file (one INSERT)."""
    with journal.journal_batched():
        for resident in residents:
            journal.record(resident, ObjectChange.Action.REVEAL, {"phone": ["***", "exported"]})
    residents.clear()


def export_file(
    *, actor, resource: str, fmt: str, params=None, filters: FilterSchema | None = None
) -> tuple[bytes, str, str]:
    """(content, content type, file name) of one export.

    ``filters``: the list's filter schema, already parsed (API); or ``params``: the list's query
    string (web), parsed here the same way.
    """
    if resource not in EXPORTS:
        raise ValidationError({"resource": _("不支持导出此类数据")})
    if fmt not in FORMATS:
        raise ValidationError({"format": _("只支持 xlsx 或 csv")})
    spec = EXPORTS[resource]
    rows = export_rows(actor=actor, resource=resource, filters=filters, params=params)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{resource}-{stamp}.{fmt}"
    if fmt == "csv":
        return rows_to_csv(rows), CSV_TYPE, filename
    return rows_to_xlsx(rows, title=str(spec.title)), XLSX_TYPE, filename
