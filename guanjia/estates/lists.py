"""The console's estates lists: (the filter form, the rows it shows) from a query string.

The list pages and their exports both call these, so an export holds exactly what the list shows:
the same project, building and status filters and the same search. An invalid filter (a stale id
in a bookmark) is ignored, as the pages always did.
"""

from __future__ import annotations

from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from guanjia.estates import extensions, selectors
from guanjia.estates.forms import ListFilterForm
from guanjia.estates.models import Building, Project, Resident, Unit


def project_list(user, params) -> tuple[ListFilterForm, object]:
    form = ListFilterForm(params, user=user, fields=("q",), search_help=_("项目名称或编码"))
    values = form.values()
    qs = Project.objects.visible_to(user)
    if q := values.get("q"):
        qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q))
    return form, qs


def building_list(user, params) -> tuple[ListFilterForm, object]:
    form = ListFilterForm(params, user=user, fields=("q", "project"), search_help=_("楼栋名称"))
    values = form.values()
    qs = (
        Building.objects.visible_to(user)
        .select_related("project")
        .annotate(n_units=Count("units", filter=Q(units__deleted_at__isnull=True)))
        .order_by("project__name", "sort_key", "id")
    )
    if project := values.get("project"):
        qs = qs.filter(project=project)
    if q := values.get("q"):
        qs = qs.filter(name__icontains=q)
    return form, qs


def unit_list(user, params) -> tuple[ListFilterForm, object]:
    form = ListFilterForm(
        params,
        user=user,
        fields=("q", "project", "building", "status"),
        search_help=_("房号、住户姓名或完整手机号"),
    )
    values = form.values()
    qs = Unit.objects.visible_to(user).select_related("building", "project")
    if project := values.get("project"):
        qs = qs.filter(project=project)
    if building := values.get("building"):
        qs = qs.filter(building=building)
    if status := values.get("status"):
        qs = qs.filter(status=status)
    if q := values.get("q"):
        qs = qs.filter(selectors.unit_search(q))
    return form, qs


def resident_list(user, params) -> tuple[ListFilterForm, object]:
    """The residents' list; apps above estates add columns, each with its filter
    (``extensions.resident_columns``: the invitation state …)."""
    form = ListFilterForm(
        params, user=user, fields=("q", "project", "building"), search_help=_("姓名、完整手机号或房号")
    )
    columns = extensions.resident_columns(user)
    for column in columns:
        form.fields[column.name] = forms.ChoiceField(
            label=column.label,
            required=False,
            choices=[("", _("全部")), *column.choices()],
            widget=forms.Select(attrs={"class": "form-select"}),
        )
    values = form.values()
    qs = Resident.objects.visible_to(user).select_related("project")
    for column in columns:
        qs = column.annotate(qs)
        if value := values.get(column.name):
            qs = qs.filter(**{column.name: value})
    if project := values.get("project"):
        qs = qs.filter(selectors.resident_in_project(project.pk))
    if building := values.get("building"):
        qs = qs.filter(selectors.resident_in_building(building.pk))
    if q := values.get("q"):
        qs = qs.filter(selectors.resident_search(q))
    form.extra_columns = columns
    return form, qs
