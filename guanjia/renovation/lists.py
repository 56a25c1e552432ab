"""The renovation list as the console shows it, and its export: ``renovation_list`` is the one
function behind the page (/renovation/) and the .xlsx file, so the file holds exactly what the
filter shows."""

from __future__ import annotations

from django import forms
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.core.api import FilterSchema, RefId
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec, register_export
from guanjia.estates.models import Project
from guanjia.estates.selectors import units_matching
from guanjia.renovation.choices import RenovationStatus
from guanjia.renovation.models import Renovation


class RenovationFilter(FilterSchema):
    status: RenovationStatus | None = None
    project_id: RefId | None = None
    unit_id: RefId | None = None
    structural: bool | None = None


class RenovationFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=gettext_lazy("项目"), queryset=Project.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", gettext_lazy("全部")), *RenovationStatus.choices],
        required=False,
    )
    flag = forms.ChoiceField(
        label=gettext_lazy("范围"),
        choices=[
            ("", gettext_lazy("全部")),
            ("structural", gettext_lazy("涉及结构")),
            ("facade", gettext_lazy("涉及外立面")),
            ("violations", gettext_lazy("有违规")),
        ],
        required=False,
    )
    q = forms.CharField(label=gettext_lazy("房号/申请人/施工单位"), max_length=60, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


def renovations(user):
    return (
        Renovation.objects.visible_to(user)
        .select_related("unit__building", "project")
        .annotate(violation_count=Count("violations", distinct=True))
    )


def renovation_list(user, params) -> tuple[RenovationFilterForm, object]:
    form = RenovationFilterForm(params or None, user=user)
    qs = renovations(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["flag"] == "structural":
            qs = qs.filter(structural=True)
        elif data["flag"] == "facade":
            qs = qs.filter(facade=True)
        elif data["flag"] == "violations":
            qs = qs.filter(violation_count__gt=0)
        if data["q"]:
            q = data["q"]
            qs = qs.filter(
                Q(unit__in=units_matching(q))
                | Q(applicant_name__icontains=q)
                | Q(contractor__icontains=q)
                | Q(number__icontains=q)
            )
    return form, qs.order_by("-submitted_at", "-id")


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


COLUMNS = [
    (gettext_lazy("编号"), lambda r: r.number),
    (gettext_lazy("项目"), lambda r: r.project.name),
    (gettext_lazy("房屋"), lambda r: f"{r.unit.building.name}-{r.unit.number}"),
    (gettext_lazy("申请人"), lambda r: r.applicant_name),
    (gettext_lazy("施工单位"), lambda r: r.contractor),
    (gettext_lazy("涉及结构"), lambda r: "是" if r.structural else ""),
    (gettext_lazy("涉及外立面"), lambda r: "是" if r.facade else ""),
    (gettext_lazy("计划开工"), lambda r: r.starts_on.isoformat()),
    (gettext_lazy("计划完工"), lambda r: r.ends_on.isoformat()),
    (gettext_lazy("状态"), lambda r: r.get_status_display()),
    (gettext_lazy("许可证号"), lambda r: r.permit_no),
    (gettext_lazy("许可证有效期至"), lambda r: r.permit_until.isoformat() if r.permit_until else ""),
    (gettext_lazy("违规次数"), lambda r: r.violation_count),
    (gettext_lazy("押金"), lambda r: r.deposit),
    (gettext_lazy("申请时间"), lambda r: _when(r.submitted_at)),
]


def register() -> None:
    register_export(
        ExportSpec(
            "renovations",
            gettext_lazy("装修申请"),
            Renovation,
            RenovationFilter,
            Perm.VIEW_ESTATES,
            COLUMNS,
            queryset=lambda actor, filters: filters.filter(renovations(actor)).order_by(
                "-submitted_at", "-id"
            ),
            page_queryset=lambda actor, params: renovation_list(actor, params)[1],
        )
    )
