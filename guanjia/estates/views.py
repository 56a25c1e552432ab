"""The web console's pages for projects, buildings, units and residents.

Views are thin: every fetch is ``.visible_to(request.user)``, every write a ``services`` call.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates import extensions, lists, services
from guanjia.estates.forms import (
    SERVICE_FIELD_MAP,
    BuildingForm,
    ProjectForm,
    ResidentForm,
    UnitForm,
)
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit, unit_order
from guanjia.web.helpers import (
    console_view,
    detail_context,
    form_page,
    list_page,
)


def _current_occupancies(user):
    return (
        Occupancy.objects.visible_to(user)
        .current()
        .select_related("unit__building", "resident")
        .order_by(*unit_order("unit__"))
    )


# Projects --------------------------------------------------------------------------------------


@console_view(Perm.VIEW_ESTATES)
def project_list(request):
    filters, qs = lists.project_list(request.user, request.GET)
    return list_page(
        request,
        queryset=qs,
        fragment="estates/_project_table.html",
        context={
            "filter_form": filters,
            "title": _("项目"),
            "resource": "projects",
            "create_url": reverse("project_create") if Perm.ADMIN in _perms(request) else "",
        },
    )


def _perms(request):

    return scope_for(request.user).permissions


@console_view(Perm.VIEW_ESTATES)
def project_detail(request, pk):
    project = visible_or_404(Project.objects, pk, request.user)
    buildings = (
        Building.objects.visible_to(request.user)
        .filter(project=project)
        .annotate(n_units=Count("units", filter=Q(units__deleted_at__isnull=True)))
    )
    by_status = dict(
        Unit.objects.visible_to(request.user)
        .filter(project=project)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "estates/project_detail.html",
        detail_context(project, request.user, buildings=buildings, by_status=by_status),
    )


@console_view(Perm.ADMIN)
def project_create(request):
    form = ProjectForm(request.POST or None)
    return form_page(
        request,
        form,
        save=lambda data: services.project_create(actor=request.user, data=data),
        saved_message=_("项目已创建"),
        detail="project_detail",
        title=_("新建项目"),
        cancel_url=reverse("project_list"),
    )


@console_view(Perm.CHANGE_ESTATES)
def project_edit(request, pk):
    project = visible_or_404(Project.objects, pk, request.user)
    form = ProjectForm(request.POST or None, instance=project)
    return form_page(
        request,
        form,
        save=lambda data: services.project_update(actor=request.user, project=project, data=data),
        saved_message=_("已保存"),
        detail="project_detail",
        title=_("编辑项目：%(name)s") % {"name": project.name},
        cancel_url=_detail(
            project,
        ),
    )


def _detail(obj) -> str:
    return reverse(f"{obj._meta.model_name}_detail", args=[obj.pk])


# Buildings -------------------------------------------------------------------------------------


@console_view(Perm.VIEW_ESTATES)
def building_list(request):
    filters, qs = lists.building_list(request.user, request.GET)
    return list_page(
        request,
        queryset=qs,
        fragment="estates/_building_table.html",
        context={
            "filter_form": filters,
            "title": _("楼栋"),
            "resource": "buildings",
            "create_url": reverse("building_create") if Perm.CHANGE_ESTATES in _perms(request) else "",
        },
    )


@console_view(Perm.VIEW_ESTATES)
def building_detail(request, pk):
    building = visible_or_404(Building.objects.select_related("project"), pk, request.user)
    units = (
        Unit.objects.visible_to(request.user).filter(building=building).order_by("floor", "sort_key", "id")
    )
    return render(
        request, "estates/building_detail.html", detail_context(building, request.user, units=units)
    )


@console_view(Perm.CHANGE_ESTATES)
def building_create(request):
    form = BuildingForm(
        request.POST or None, user=request.user, initial={"project": request.GET.get("project")}
    )
    return form_page(
        request,
        form,
        save=lambda data: services.building_create(actor=request.user, data=form.service_data()),
        field_map=SERVICE_FIELD_MAP,
        saved_message=_("楼栋已创建"),
        detail="building_detail",
        title=_("新建楼栋"),
        cancel_url=reverse("building_list"),
    )


@console_view(Perm.CHANGE_ESTATES)
def building_edit(request, pk):
    building = visible_or_404(Building.objects, pk, request.user)
    form = BuildingForm(request.POST or None, instance=building, user=request.user)
    return form_page(
        request,
        form,
        save=lambda data: services.building_update(
            actor=request.user, building=building, data=form.service_data()
        ),
        saved_message=_("已保存"),
        detail="building_detail",
        title=_("编辑楼栋：%(name)s") % {"name": building.name},
        cancel_url=_detail(
            building,
        ),
    )


# Units -----------------------------------------------------------------------------------------


@console_view(Perm.VIEW_ESTATES)
def unit_list(request):
    filters, qs = lists.unit_list(request.user, request.GET)
    qs = qs.prefetch_related(
        Prefetch("occupancies", queryset=_current_occupancies(request.user), to_attr="current")
    )
    return list_page(
        request,
        queryset=qs,
        fragment="estates/_unit_table.html",
        context={
            "filter_form": filters,
            "title": _("房屋"),
            "resource": "units",
            "create_url": reverse("unit_create") if Perm.CHANGE_ESTATES in _perms(request) else "",
        },
    )


@console_view(Perm.VIEW_ESTATES)
def unit_detail(request, pk):
    unit = visible_or_404(Unit.objects.select_related("building", "project"), pk, request.user)
    occupancies = (
        Occupancy.objects.visible_to(request.user)
        .filter(unit=unit)
        .select_related("resident")
        .order_by("-start_on", "id")
    )
    return render(
        request, "estates/unit_detail.html", detail_context(unit, request.user, occupancies=occupancies)
    )


@console_view(Perm.CHANGE_ESTATES)
def unit_create(request):
    form = UnitForm(
        request.POST or None, user=request.user, initial={"building": request.GET.get("building")}
    )
    return form_page(
        request,
        form,
        save=lambda data: services.unit_create(actor=request.user, data=form.service_data()),
        field_map=SERVICE_FIELD_MAP,
        saved_message=_("房屋已创建"),
        detail="unit_detail",
        title=_("新建房屋"),
        cancel_url=reverse("unit_list"),
    )


@console_view(Perm.CHANGE_ESTATES)
def unit_edit(request, pk):
    unit = visible_or_404(Unit.objects.select_related("building"), pk, request.user)
    form = UnitForm(request.POST or None, instance=unit, user=request.user)
    return form_page(
        request,
        form,
        save=lambda data: services.unit_update(actor=request.user, unit=unit, data=form.service_data()),
        saved_message=_("已保存"),
        detail="unit_detail",
        title=_("编辑房屋：%(name)s") % {"name": unit},
        cancel_url=_detail(
            unit,
        ),
    )


# Residents -------------------------------------------------------------------------------------


@console_view(Perm.VIEW_RESIDENTS)
def resident_list(request):
    filters, qs = lists.resident_list(request.user, request.GET)
    columns = filters.extra_columns
    qs = qs.prefetch_related(
        Prefetch("occupancies", queryset=_current_occupancies(request.user), to_attr="current")
    )
    return list_page(
        request,
        queryset=qs,
        fragment="estates/_resident_table.html",
        context={
            "filter_form": filters,
            "title": _("住户"),
            "resource": "residents",
            "create_url": reverse("resident_create") if Perm.CHANGE_RESIDENTS in _perms(request) else "",
            "extra_columns": columns,
        },
    )


@console_view(Perm.VIEW_RESIDENTS)
def resident_detail(request, pk):
    resident = visible_or_404(Resident.objects.select_related("project"), pk, request.user)
    occupancies = (
        Occupancy.objects.visible_to(request.user)
        .filter(resident=resident)
        .select_related("unit__building", "project")
        .order_by("-start_on", "id")
    )
    panels = []
    for panel in extensions.resident_panels(request.user):
        context = panel.context(resident, request.user)
        if context is not None:
            panels.append((panel.template, context))
    return render(
        request,
        "estates/resident_detail.html",
        detail_context(resident, request.user, occupancies=occupancies, panels=panels),
    )


@require_POST
@console_view(Perm.REVEAL_PHONE)
def resident_reveal_phone(request, pk):
    """htmx: the full number in place of the masked one; the look is journaled by the service."""
    resident = visible_or_404(Resident.objects, pk, request.user)
    phone = services.resident_reveal_phone(actor=request.user, resident=resident)
    return render(request, "estates/_phone_revealed.html", {"resident": resident, "phone": phone})


@console_view(Perm.CHANGE_RESIDENTS)
def resident_create(request):
    form = ResidentForm(
        request.POST or None, user=request.user, initial={"project": request.GET.get("project")}
    )
    return form_page(
        request,
        form,
        save=lambda data: services.resident_create(actor=request.user, data=form.service_data()),
        field_map=SERVICE_FIELD_MAP,
        saved_message=_("住户已登记"),
        detail="resident_detail",
        title=_("登记住户"),
        cancel_url=reverse("resident_list"),
    )


@console_view(Perm.CHANGE_RESIDENTS)
def resident_edit(request, pk):
    resident = visible_or_404(Resident.objects, pk, request.user)
    form = ResidentForm(request.POST or None, instance=resident, user=request.user)
    return form_page(
        request,
        form,
        save=lambda data: services.resident_update(
            actor=request.user, resident=resident, data=form.service_data()
        ),
        saved_message=_("已保存"),
        detail="resident_detail",
        title=_("编辑住户：%(name)s") % {"name": resident.name},
        cancel_url=_detail(
            resident,
        ),
    )


@require_POST
@console_view(Perm.CHANGE_RESIDENTS)
def occupancy_end(request, pk):
    """Move-out (迁出) from the resident's or the unit's page: the tie ends today, the resident loses
    the unit in the portal at once; the history stays."""
    occupancy = visible_or_404(
        Occupancy.objects.select_related("resident", "unit__building"), pk, request.user
    )
    try:
        services.occupancy_end(actor=request.user, occupancy=occupancy)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已为 %(name)s 办理迁出：%(unit)s") % {"name": occupancy.resident.name, "unit": occupancy.unit},
        )
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("resident_detail", args=[occupancy.resident_id])
    return redirect(back)
