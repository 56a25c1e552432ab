"""Pages of the equipment ledger: the list (filter, export, QR label sheet, import), editing an
item, and an item's phone page (opened from its QR label) with its photos and documents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.dataio.importing import read_table
from guanjia.facilities import hooks, labels, selectors, services, spreadsheet
from guanjia.facilities.forms import CostForm, EquipmentFilterForm, EquipmentForm, FileForm, ImportForm
from guanjia.facilities.models import Equipment, EquipmentCost
from guanjia.facilities.views.common import XLSX
from guanjia.web.helpers import (
    console_view,
    detail_context,
    list_page,
    render_form,
    save_via_service,
    style_form,
)


def _filtered_equipment(request):
    form = EquipmentFilterForm(request.GET or None, user=request.user)
    qs = Equipment.objects.visible_to(request.user).select_related("type", "building", "project")
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["type"]:
            qs = qs.filter(type_id__in=services.type_with_descendants(data["type"]))
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
    return form, qs


@console_view(Perm.VIEW_FACILITIES)
def equipment_list(request):
    form, qs = _filtered_equipment(request)
    style_form(form)
    return list_page(
        request,
        queryset=qs.order_by("project_id", "code"),
        fragment="facilities/_equipment_table.html",
        template="facilities/equipment_list.html",
        context={
            "title": _("设备台账"),
            "filter_form": form,
            "can_change": user_can(request.user, Perm.CHANGE_FACILITIES),
        },
        page_context=_with_maintainers,
    )


def _with_maintainers(page) -> dict:
    """Each row's maintainer as the apps above say (``hooks.maintainers``): one query per page."""
    rows = list(page.object_list)
    found = hooks.maintainers([e.pk for e in rows])
    for e in rows:
        e.maintainer = found.get(e.pk)
    return {}


@console_view(Perm.VIEW_FACILITIES)
def equipment_export(request):
    _form, qs = _filtered_equipment(request)
    response = HttpResponse(spreadsheet.export_xlsx(qs), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="equipment.xlsx"'
    return response


@console_view(Perm.VIEW_FACILITIES)
def equipment_labels(request):
    """A printable sheet of QR labels for the listed items (or the ones picked with ?ids=1,2)."""
    _form, qs = _filtered_equipment(request)
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()]
    if ids:
        qs = qs.filter(pk__in=ids)
    items = [
        labels.Label(
            title=e.name,
            lines=[e.code, f"{e.project.name} {e.place}".strip(), e.type.name],
            url=labels.absolute(reverse("facilities:qr", args=[e.qr_token])),
        )
        for e in qs.order_by("project_id", "code")[:600]
    ]
    pdf = labels.label_sheet(items, heading=_("设备二维码标签"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="equipment-labels.pdf"'
    return response


@console_view(Perm.CHANGE_FACILITIES)
def equipment_import(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = spreadsheet.import_table(
                actor=request.user,
                project=form.cleaned_data["project"],
                table=list(read_table(upload, upload.name)),  # bounded by the reader
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                form.add_error("file", message)
        else:
            messages.success(request, _("已导入：新增 %(created)s，更新 %(updated)s") % outcome)
            return redirect("facilities:equipment_list")
    return render_form(
        request, form, title=_("导入设备台账"), cancel_url=reverse("facilities:equipment_list")
    )


def _equipment_initial(e: Equipment) -> dict:
    return {
        "type": e.type_id,
        "building": e.building_id,
        **{
            k: getattr(e, k)
            for k in (
                "code",
                "name",
                "floor",
                "room",
                "serial_no",
                "model_no",
                "vendor",
                "contractor",
                "contract_starts",
                "contract_ends",
                "installed_on",
                "warranty_until",
                "status",
                "notes",
            )
        },
    }


@console_view(Perm.CHANGE_FACILITIES)
def equipment_edit(request, pk=None):
    equipment = visible_or_404(Equipment.objects, pk, request.user) if pk else None
    maintainer = hooks.maintainers([equipment.pk]).get(equipment.pk) if equipment else None
    form = EquipmentForm(
        request.POST or None,
        user=request.user,
        editing=equipment is not None,
        maintainer=maintainer,
        initial=_equipment_initial(equipment) if equipment else None,
    )
    if request.method == "POST":
        if equipment is None:
            saved = save_via_service(
                request,
                form,
                lambda data: services.equipment_create(actor=request.user, data=form.service_data()),
                field_map={"type_id": "type", "building_id": "building", "project_id": "project"},
            )
        else:
            saved = save_via_service(
                request,
                form,
                lambda data: services.equipment_update(
                    actor=request.user, equipment=equipment, data=form.service_data()
                ),
                field_map={"type_id": "type", "building_id": "building"},
            )
        if saved is not None:
            messages.success(request, _("已保存设备 %(name)s") % {"name": saved.name})
            return redirect("facilities:equipment", pk=saved.pk)
    title = _("编辑设备") if equipment else _("新建设备")
    cancel = reverse("facilities:equipment", args=[pk]) if pk else reverse("facilities:equipment_list")
    return render_form(request, form, title=title, cancel_url=cancel)


def _equipment_page(request, equipment: Equipment, *, scanned: bool):
    ctx = detail_context(
        equipment,
        request.user,
        title=equipment.name,
        scanned=scanned,
        now=timezone.now(),
        can_change=user_can(request.user, Perm.CHANGE_FACILITIES),
        can_work=user_can(request.user, Perm.DO_FACILITIES_WORK),
        file_form=style_form(FileForm()),
        cost_form=style_form(CostForm(initial={"incurred_on": timezone.localdate()})),
        costs=EquipmentCost.objects.visible_to(request.user).filter(equipment=equipment)[:20],
        maintainer=hooks.maintainers([equipment.pk]).get(equipment.pk),
        **selectors.equipment_page(equipment, request.user),
    )
    return render(request, "facilities/equipment_detail.html", ctx)


@console_view(Perm.VIEW_FACILITIES)
def equipment_detail(request, pk):
    equipment = visible_or_404(
        Equipment.objects.select_related("type", "building", "project"), pk, request.user
    )
    return _equipment_page(request, equipment, scanned=False)


@console_view(Perm.VIEW_FACILITIES)
def qr(request, token):
    """Where an item's QR label leads: its phone page, with the due checks ready to start."""
    equipment = (
        Equipment.objects.visible_to(request.user)
        .select_related("type", "building", "project")
        .filter(qr_token=token)
        .first()
    )
    if equipment is None:
        raise Http404(_("设备不存在"))
    return _equipment_page(request, equipment, scanned=True)


@require_POST
@console_view(Perm.CHANGE_FACILITIES)
def equipment_file(request, pk):
    equipment = visible_or_404(Equipment.objects, pk, request.user)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.equipment_add_file(
                actor=request.user,
                equipment=equipment,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
            messages.success(request, _("已上传"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请选择文件"))
    return redirect("facilities:equipment", pk=pk)
