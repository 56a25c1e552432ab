"""The handover lists as the console shows them, and their exports: each ``*_list`` function is the
one query behind a page and its .xlsx file, so a file holds exactly what the filter shows. Also the
reading of the developer's handover-ready sheet (.xlsx)."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.api import FilterSchema, RefId
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec, register_export
from guanjia.estates.models import Project
from guanjia.estates.selectors import units_matching
from guanjia.handover.choices import HandoverDefectStatus, HandoverReadyStatus, HandoverStatus, TakeoverStatus
from guanjia.handover.models import Appointment, Defect, ReadyUnit, Takeover
from guanjia.handover.services.common import mask_id

READY_HEADERS = ["楼栋", "房号", "可交付日期", "购房人", "备注"]
READY_KEYS = ["building", "unit", "ready_on", "buyer_name", "note"]
READY_MAX_ROWS = 5000


class HandoverFilter(FilterSchema):
    project_id: RefId | None = None
    status: HandoverStatus | None = None
    unit_id: RefId | None = None


class HandoverReadyFilter(FilterSchema):
    project_id: RefId | None = None
    status: HandoverReadyStatus | None = None


class TakeoverFilter(FilterSchema):
    project_id: RefId | None = None
    status: TakeoverStatus | None = None


class _ProjectForm(forms.Form):
    project = forms.ModelChoiceField(
        label=gettext_lazy("项目"), queryset=Project.objects.none(), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


class AppointmentFilterForm(_ProjectForm):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", gettext_lazy("全部")), *HandoverStatus.choices],
        required=False,
    )
    q = forms.CharField(label=gettext_lazy("房号/业主/编号"), max_length=60, required=False)


class ReadyFilterForm(_ProjectForm):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", gettext_lazy("全部")), *HandoverReadyStatus.choices],
        required=False,
    )
    q = forms.CharField(label=gettext_lazy("房号/购房人"), max_length=60, required=False)


class TakeoverFilterForm(_ProjectForm):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", gettext_lazy("全部")), *TakeoverStatus.choices],
        required=False,
    )


def appointments(user):
    return (
        Appointment.objects.visible_to(user)
        .select_related("unit__building", "project")
        .annotate(
            defect_count=Count("inspection__defects", distinct=True),
            open_defects=Count(
                "inspection__defects",
                filter=Q(inspection__defects__status=HandoverDefectStatus.OPEN),
                distinct=True,
            ),
        )
    )


def appointment_list(user, params):
    form = AppointmentFilterForm(params or None, user=user)
    qs = appointments(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["q"]:
            q = data["q"]
            qs = qs.filter(
                Q(unit__in=units_matching(q)) | Q(owner_name__icontains=q) | Q(number__icontains=q)
            )
    return form, qs.order_by("-starts_at", "-id")


def ready_units(user):
    return ReadyUnit.objects.visible_to(user).select_related("unit__building", "project")


def ready_list(user, params):
    form = ReadyFilterForm(params or None, user=user)
    qs = ready_units(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["q"]:
            q = data["q"]
            qs = qs.filter(Q(unit__in=units_matching(q)) | Q(buyer_name__icontains=q))
    return form, qs.order_by("project_id", "unit__building__name", "unit__number", "id")


def takeovers(user):
    return (
        Takeover.objects.visible_to(user)
        .select_related("project")
        .annotate(
            defect_count=Count("inspection__defects", distinct=True),
            open_defects=Count(
                "inspection__defects",
                filter=Q(inspection__defects__status=HandoverDefectStatus.OPEN),
                distinct=True,
            ),
        )
    )


def takeover_list(user, params):
    form = TakeoverFilterForm(params or None, user=user)
    qs = takeovers(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
    return form, qs.order_by("-planned_on", "-id")


def defects_of(user):
    return Defect.objects.visible_to(user).select_related("ticket", "item", "inspection")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _unit(r) -> str:
    return f"{r.unit.building.name}-{r.unit.number}"


APPOINTMENT_COLUMNS = [
    (gettext_lazy("编号"), lambda r: r.number),
    (gettext_lazy("项目"), lambda r: r.project.name),
    (gettext_lazy("房屋"), _unit),
    (gettext_lazy("预约时间"), lambda r: f"{_when(r.starts_at)} ~ {timezone.localtime(r.ends_at):%H:%M}"),
    (gettext_lazy("业主"), lambda r: r.owner_name),
    (gettext_lazy("身份证号"), lambda r: mask_id(r.owner_id_number)),
    (gettext_lazy("状态"), lambda r: r.get_status_display()),
    (gettext_lazy("问题数"), lambda r: r.defect_count),
    (gettext_lazy("未关闭问题"), lambda r: r.open_defects),
    (gettext_lazy("交付时间"), lambda r: _when(r.completed_at)),
]

READY_COLUMNS = [
    (gettext_lazy("项目"), lambda r: r.project.name),
    (gettext_lazy("楼栋"), lambda r: r.unit.building.name),
    (gettext_lazy("房号"), lambda r: r.unit.number),
    (gettext_lazy("可交付日期"), lambda r: r.ready_on.isoformat()),
    (gettext_lazy("购房人"), lambda r: r.buyer_name),
    (gettext_lazy("状态"), lambda r: r.get_status_display()),
    (gettext_lazy("备注"), lambda r: r.note),
]

TAKEOVER_COLUMNS = [
    (gettext_lazy("编号"), lambda r: r.number),
    (gettext_lazy("项目"), lambda r: r.project.name),
    (gettext_lazy("验收名称"), lambda r: r.title),
    (gettext_lazy("开发商"), lambda r: r.developer),
    (gettext_lazy("计划验收日期"), lambda r: r.planned_on.isoformat()),
    (gettext_lazy("状态"), lambda r: r.get_status_display()),
    (gettext_lazy("问题数"), lambda r: r.defect_count),
    (gettext_lazy("未关闭问题"), lambda r: r.open_defects),
    (gettext_lazy("接管时间"), lambda r: _when(r.accepted_at)),
]


def register() -> None:
    register_export(
        ExportSpec(
            "handovers",
            gettext_lazy("收楼预约"),
            Appointment,
            HandoverFilter,
            Perm.VIEW_ESTATES,
            APPOINTMENT_COLUMNS,
            queryset=lambda actor, filters: filters.filter(appointments(actor)).order_by("-starts_at", "-id"),
            page_queryset=lambda actor, params: appointment_list(actor, params)[1],
        )
    )
    register_export(
        ExportSpec(
            "handover_ready_units",
            gettext_lazy("可交付房屋"),
            ReadyUnit,
            HandoverReadyFilter,
            Perm.VIEW_ESTATES,
            READY_COLUMNS,
            queryset=lambda actor, filters: filters.filter(ready_units(actor)).order_by("project_id", "id"),
            page_queryset=lambda actor, params: ready_list(actor, params)[1],
        )
    )
    register_export(
        ExportSpec(
            "takeovers",
            gettext_lazy("接管验收"),
            Takeover,
            TakeoverFilter,
            Perm.VIEW_ESTATES,
            TAKEOVER_COLUMNS,
            queryset=lambda actor, filters: filters.filter(takeovers(actor)).order_by("-planned_on", "-id"),
            page_queryset=lambda actor, params: takeover_list(actor, params)[1],
        )
    )


def read_ready_sheet(upload) -> list[dict]:
    """Rows of the developer's handover-ready workbook (楼栋、房号、可交付日期、购房人、备注), each
    with its line number; a ValidationError on ``file`` for anything else."""
    from openpyxl import load_workbook  # heavy; loaded only when a workbook is read

    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError({"file": _("无法读取该文件，请上传 .xlsx")}) from exc
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, ())]
    if header[:2] != READY_HEADERS[:2]:
        raise ValidationError({"file": _("表头须为：%(cols)s") % {"cols": "、".join(READY_HEADERS)}})
    out = []
    for line, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        if len(out) >= READY_MAX_ROWS:
            raise ValidationError({"file": _("一次最多导入 %(n)s 行") % {"n": READY_MAX_ROWS}})
        cells = list(values) + [None] * (len(READY_KEYS) - len(values))
        row = {key: cells[i] for i, key in enumerate(READY_KEYS)}
        for key in ("building", "unit", "buyer_name", "note"):
            value = row[key]
            row[key] = (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value or "")
            ).strip()
        if isinstance(row["ready_on"], datetime.datetime):
            row["ready_on"] = row["ready_on"].date()
        row["line"] = line
        out.append(row)
    return out
