"""Facilities pages: the ledger, an item's phone page (opened from its QR label), doing a task,
plans, costs, patrol routes, rounds and checkpoint scans. Thin: every write is a service call."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm, user_can
from guanjia.core.services import visible_or_404
from guanjia.dataio.importing import read_table
from guanjia.facilities import labels, selectors, services, spreadsheet
from guanjia.facilities.choices import LineKind, TaskStatus
from guanjia.facilities.forms import (
    CheckpointForm,
    CostForm,
    EquipmentFilterForm,
    EquipmentForm,
    FileForm,
    FindingForm,
    FireDefaultsForm,
    ImportForm,
    PlanForm,
    RouteForm,
    checklist_to_text,
)
from guanjia.facilities.models import (
    Checkpoint,
    Equipment,
    EquipmentCost,
    MaintenancePlan,
    MaintenanceTask,
    PatrolRound,
    PatrolRoute,
)
from guanjia.web.helpers import (
    console_view,
    detail_context,
    list_page,
    render_form,
    save_via_service,
    style_form,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _project_param(request) -> int | None:
    """``?project=<id>`` (as the estates project page links): narrows a page to one project."""
    value = request.GET.get("project", "")
    return int(value) if value.isdigit() else None


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
def home(request):
    """My facilities work today: tasks due (overdue first) and the rounds of my projects now."""
    now = timezone.now()
    tasks = list(selectors.tasks_due(request.user, now=now)[:50])
    rounds = (
        PatrolRound.objects.visible_to(request.user)
        .filter(closed_at__isnull=True, window_start__lte=now + datetime.timedelta(hours=12))
        .select_related("route", "assignee")
        .order_by("window_start")[:20]
    )
    return render(
        request,
        "facilities/home.html",
        {
            "title": _("设备维保与巡查"),
            "tasks": tasks,
            "rounds": rounds,
            "now": now,
            "overdue_repairs": list(selectors.overdue_repairs(request.user, now=now)[:30]),
        },
    )


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
    )


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
                table=read_table(upload, upload.name),
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
    form = EquipmentForm(
        request.POST or None,
        user=request.user,
        editing=equipment is not None,
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


@require_POST
@console_view(Perm.CHANGE_FACILITIES)
def equipment_cost(request, pk):
    equipment = visible_or_404(Equipment.objects, pk, request.user)
    form = CostForm(request.POST)
    if form.is_valid():
        try:
            services.cost_create(actor=request.user, data={**form.cleaned_data, "equipment_id": equipment.pk})
            messages.success(request, _("已记录费用"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}: {v[0]}" for k, v in form.errors.items()))
    return redirect("facilities:equipment", pk=pk)


# Tasks --------------------------------------------------------------------------------------------


@require_POST
@console_view(Perm.DO_FACILITIES_WORK)
def task_start(request, pk):
    task = visible_or_404(MaintenanceTask.objects, pk, request.user)
    try:
        services.task_start(actor=request.user, task=task, code=request.POST.get("code", ""))
    except (ValidationError, Conflict) as exc:
        messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))
        return redirect("facilities:equipment", pk=task.equipment_id)
    return redirect("facilities:task", pk=pk)


def _task_lines(task: MaintenanceTask, post=None) -> list[dict]:
    done = {r.position: r for r in task.results.all()} if task.status == TaskStatus.DONE else {}
    lines = []
    for position, line in enumerate(task.checklist, start=1):
        lines.append(
            {
                "position": position,
                "line": line,
                "is_reading": line.get("kind") == LineKind.READING,
                "result": done.get(position),
                "posted_result": post.get(f"result_{position}", "") if post else "",
                "posted_reading": post.get(f"reading_{position}", "") if post else "",
                "posted_note": post.get(f"note_{position}", "") if post else "",
            }
        )
    return lines


@console_view(Perm.VIEW_FACILITIES)
def task_detail(request, pk):
    task = visible_or_404(
        MaintenanceTask.objects.select_related(
            "plan", "equipment__building", "equipment__project", "done_by"
        ),
        pk,
        request.user,
    )
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not user_can(request.user, Perm.DO_FACILITIES_WORK):
            raise Http404
        results = []
        for position, line in enumerate(task.checklist, start=1):
            item = {"position": position, "note": request.POST.get(f"note_{position}", "")}
            if line.get("kind") == LineKind.READING:
                item["reading"] = request.POST.get(f"reading_{position}", "")
            if request.POST.get(f"result_{position}"):
                item["result"] = request.POST[f"result_{position}"]
            results.append(item)
        try:
            services.task_complete(
                actor=request.user,
                task=task,
                results=results,
                note=request.POST.get("note", ""),
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            status = 422
        except Conflict as exc:
            messages.error(request, exc.message)
            status = 409
        else:
            task.refresh_from_db()
            if task.failed_lines:
                messages.warning(
                    request, _("已完成，%(n)s 项不合格，已生成报修单并限期整改") % {"n": task.failed_lines}
                )
            else:
                messages.success(request, _("已完成，全部合格"))
            return redirect("facilities:task", pk=pk)
    lines = _task_lines(task, request.POST if request.method == "POST" else None)
    for item in lines:
        at = f"results.{item['position'] - 1}"
        item["errors"] = [m for k, v in errors.items() if k == at or k.startswith(at + ".") for m in v]
    can_fill = task.status == TaskStatus.IN_PROGRESS and task.scanned_by_id == request.user.pk
    ctx = detail_context(
        task,
        request.user,
        title=task.plan.name,
        task=task,
        lines=lines,
        can_fill=can_fill,
        general_errors=[m for k, v in errors.items() if not k.startswith("results.") for m in v],
        photos=list(task.photos.all()),
        repairs=sorted(
            {r.repair for r in task.results.select_related("repair__ticket") if r.repair_id},
            key=lambda r: r.pk,
        ),
        overdue=task.status != TaskStatus.DONE and task.due_at < timezone.now(),
    )
    return render(request, "facilities/task_detail.html", ctx, status=status)


# Plans --------------------------------------------------------------------------------------------


@console_view(Perm.VIEW_FACILITIES)
def plan_list(request):
    plans = (
        MaintenancePlan.objects.visible_to(request.user)
        .select_related("project", "equipment", "equipment_type", "assignee")
        .order_by("project__name", "name")
    )
    if _project_param(request):
        plans = plans.filter(project_id=_project_param(request))
    fire_form = style_form(FireDefaultsForm(user=request.user, initial={"starts_on": timezone.localdate()}))
    return render(
        request,
        "facilities/plan_list.html",
        {
            "title": _("维保计划"),
            "plans": plans,
            "fire_form": fire_form,
            "can_change": user_can(request.user, Perm.CHANGE_FACILITIES),
        },
    )


@require_POST
@console_view(Perm.CHANGE_FACILITIES)
def fire_defaults(request):
    form = FireDefaultsForm(request.POST, user=request.user)
    if form.is_valid():
        plans = services.fire_plans_apply(
            actor=request.user, project=form.cleaned_data["project"], starts_on=form.cleaned_data["starts_on"]
        )
        messages.success(request, _("已为该项目应用 %(n)s 个消防维保计划") % {"n": len(plans)})
    else:
        messages.error(request, _("请选择项目和开始日期"))
    return redirect("facilities:plan_list")


@console_view(Perm.CHANGE_FACILITIES)
def plan_edit(request, pk=None):
    plan = visible_or_404(MaintenancePlan.objects, pk, request.user) if pk else None
    initial = None
    if plan is not None:
        initial = {
            "name": plan.name,
            "equipment": plan.equipment_id,
            "equipment_type": plan.equipment_type_id,
            "frequency": plan.frequency,
            "interval_days": plan.interval_days,
            "window_days": plan.window_days,
            "starts_on": plan.starts_on,
            "team": plan.team,
            "assignee": plan.assignee_id,
            "rectify_days": plan.rectify_days,
            "checklist": checklist_to_text(plan.checklist),
        }
    form = PlanForm(request.POST or None, user=request.user, editing=plan is not None, initial=initial)
    field_map = {
        "equipment_id": "equipment",
        "equipment_type_id": "equipment_type",
        "assignee_id": "assignee",
    }
    if request.method == "POST":
        if plan is None:
            call = lambda data: services.plan_create(actor=request.user, data=form.service_data())  # noqa: E731
        else:
            call = lambda data: services.plan_update(actor=request.user, plan=plan, data=form.service_data())  # noqa: E731
        saved = save_via_service(request, form, call, field_map=field_map)
        if saved is not None:
            messages.success(request, _("已保存维保计划 %(name)s") % {"name": saved.name})
            return redirect("facilities:plan_list")
    title = _("编辑维保计划") if plan else _("新建维保计划")
    return render_form(request, form, title=title, cancel_url=reverse("facilities:plan_list"))


# Costs --------------------------------------------------------------------------------------------


@console_view(Perm.VIEW_FACILITIES)
def costs(request):
    by = request.GET.get("by") if request.GET.get("by") in selectors.COST_GROUPS else "type"
    year = request.GET.get("year")
    year = int(year) if year and year.isdigit() and 2000 <= int(year) <= 2100 else None
    project_id = _project_param(request)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            spreadsheet.costs_xlsx(request.user, year=year, project_id=project_id), content_type=XLSX
        )
        response["Content-Disposition"] = f'attachment; filename="equipment-costs-{year or "all"}.xlsx"'
        return response
    rows = selectors.cost_totals(request.user, by=by, year=year, project_id=project_id)
    return render(
        request,
        "facilities/costs.html",
        {
            "title": _("设备费用"),
            "rows": rows,
            "by": by,
            "year": year or "",
            "sums": selectors.cost_sum(rows),
            "project_id": project_id or "",
            "total": sum((r["total"] for r in rows), start=selectors.ZERO),
            "groups": [
                ("type", _("按类型")),
                ("equipment", _("按设备")),
                ("project", _("按项目")),
                ("year", _("按年度")),
            ],
        },
    )


# Patrols ------------------------------------------------------------------------------------------


@console_view(Perm.VIEW_FACILITIES)
def route_list(request):
    routes = (
        PatrolRoute.objects.visible_to(request.user)
        .select_related("project", "supervisor")
        .order_by("project__name", "name")
    )
    since = timezone.now() - datetime.timedelta(days=30)
    project_id = _project_param(request)
    if project_id:
        routes = routes.filter(project_id=project_id)
    return render(
        request,
        "facilities/route_list.html",
        {
            "title": _("巡查路线"),
            "routes": routes,
            "figures": selectors.patrol_figures(request.user, since=since, project_id=project_id),
            "can_change": user_can(request.user, Perm.CHANGE_FACILITIES),
        },
    )


@console_view(Perm.CHANGE_FACILITIES)
def route_create(request):
    form = RouteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        saved = save_via_service(
            request,
            form,
            lambda data: services.route_create(actor=request.user, data=form.service_data()),
            field_map={"supervisor_id": "supervisor", "project_id": "project"},
        )
        if saved is not None:
            messages.success(request, _("已保存巡查路线 %(name)s") % {"name": saved.name})
            return redirect("facilities:route", pk=saved.pk)
    return render_form(request, form, title=_("新建巡查路线"), cancel_url=reverse("facilities:route_list"))


@console_view(Perm.VIEW_FACILITIES)
def route_detail(request, pk):
    route = visible_or_404(PatrolRoute.objects.select_related("project", "supervisor"), pk, request.user)
    rounds = route.rounds.select_related("assignee").order_by("-window_start")[:30]
    return render(
        request,
        "facilities/route_detail.html",
        detail_context(
            route,
            request.user,
            title=route.name,
            route=route,
            rounds=rounds,
            checkpoints=list(route.checkpoints.filter(is_active=True).select_related("building")),
            can_change=user_can(request.user, Perm.CHANGE_FACILITIES),
        ),
    )


def _route_checkpoint(request, pk) -> Checkpoint:
    return visible_or_404(Checkpoint.objects.filter(is_active=True).select_related("route"), pk, request.user)


@require_POST
@console_view(Perm.CHANGE_FACILITIES)
def checkpoint_move(request, pk):
    """Up / down buttons (work without JavaScript)."""
    checkpoint = _route_checkpoint(request, pk)
    try:
        services.checkpoint_move(
            actor=request.user, checkpoint=checkpoint, direction=request.POST.get("direction", "")
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))
    return redirect("facilities:route", pk=checkpoint.route_id)


@require_POST
@console_view(Perm.CHANGE_FACILITIES)
def checkpoint_order(request, pk):
    """The order after dragging: ``order`` = the checkpoint ids, comma-separated."""
    route = visible_or_404(PatrolRoute.objects.all(), pk, request.user)
    ids = [part for part in request.POST.get("order", "").split(",") if part.strip()]
    try:
        services.checkpoint_order(actor=request.user, route=route, ids=ids)
    except (ValidationError, Conflict) as exc:
        messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))
    else:
        messages.success(request, _("已更新巡查点顺序，从下一轮起生效"))
    return redirect("facilities:route", pk=route.pk)


@require_POST
@console_view(Perm.CHANGE_FACILITIES)
def checkpoint_remove(request, pk):
    checkpoint = _route_checkpoint(request, pk)
    try:
        services.checkpoint_remove(actor=request.user, checkpoint=checkpoint)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已移除巡查点 %(name)s，已生成的轮次不受影响") % {"name": checkpoint.name}
        )
    return redirect("facilities:route", pk=checkpoint.route_id)


@console_view(Perm.CHANGE_FACILITIES)
def checkpoint_edit(request, pk):
    checkpoint = _route_checkpoint(request, pk)
    form = CheckpointForm(
        request.POST or None,
        initial={
            "name": checkpoint.name,
            "place": checkpoint.place,
            "expected_from": checkpoint.expected_from,
            "expected_to": checkpoint.expected_to,
        },
    )
    if request.method == "POST":
        saved = save_via_service(
            request,
            form,
            lambda data: services.checkpoint_update(actor=request.user, checkpoint=checkpoint, data=data),
        )
        if saved is not None:
            messages.success(request, _("已保存巡查点 %(name)s") % {"name": saved.name})
            return redirect("facilities:route", pk=checkpoint.route_id)
    return render_form(
        request,
        form,
        title=_("编辑巡查点：%(name)s") % {"name": checkpoint.name},
        cancel_url=reverse("facilities:route", args=[checkpoint.route_id]),
    )


@console_view(Perm.VIEW_FACILITIES)
def patrol_today(request):
    """The supervisor's today: each route's rounds of today (in progress first) with who walks them,
    and the checkpoints missed today per route and per person. Polls itself every 30 s (htmx)."""
    ctx = {
        "title": _("今日巡查"),
        "project_id": _project_param(request) or "",
        **selectors.patrol_today(request.user, project_id=_project_param(request)),
    }
    template = (
        "facilities/_patrol_today.html"
        if request.headers.get("HX-Request")
        else "facilities/patrol_today.html"
    )
    return render(request, template, ctx)


@console_view(Perm.VIEW_FACILITIES)
def route_labels(request, pk):
    route = visible_or_404(PatrolRoute.objects.select_related("project"), pk, request.user)
    items = [
        labels.Label(
            title=f"{c.position}. {c.name}",
            lines=[route.name, f"{route.project.name} {c.place}".strip()],
            url=labels.absolute(reverse("facilities:checkpoint_qr", args=[c.qr_token])),
        )
        for c in route.checkpoints.filter(is_active=True).order_by("position")
    ]
    response = HttpResponse(labels.label_sheet(items, heading=route.name), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="checkpoint-labels.pdf"'
    return response


def _round_checkpoints(patrol: PatrolRound) -> list[Checkpoint]:
    """The round's own checkpoints (its snapshot), in the order they had when it was generated."""
    points = services.round_checkpoints(patrol)
    by_id = Checkpoint.objects.in_bulk([p["id"] for p in points])
    out = []
    for index, point in enumerate(points, start=1):
        checkpoint = by_id.get(point["id"])
        if checkpoint is not None:
            checkpoint.position, checkpoint.name = index, point["name"]
            checkpoint.expected = (point.get("from"), point.get("to"))
            out.append(checkpoint)
    return out


def _round_page(request, patrol: PatrolRound, *, form=None, status=200):
    checkpoints = _round_checkpoints(patrol)
    scans = {s.checkpoint_id: s for s in patrol.scans.select_related("scanned_by")}
    missed = set(patrol.missed.values_list("checkpoint_id", flat=True))
    rows = [{"checkpoint": c, "scan": scans.get(c.pk), "missed": c.pk in missed} for c in checkpoints]
    form = form or FindingForm(checkpoints=checkpoints)
    style_form(form)
    return render(
        request,
        "facilities/round_detail.html",
        detail_context(
            patrol,
            request.user,
            title=patrol.route.name,
            patrol=patrol,
            rows=rows,
            finding_form=form,
            findings=patrol.findings.select_related("ticket", "checkpoint"),
            can_work=user_can(request.user, Perm.DO_FACILITIES_WORK),
        ),
        status=status,
    )


@console_view(Perm.VIEW_FACILITIES)
def round_detail(request, pk):
    patrol = visible_or_404(PatrolRound.objects.select_related("route", "assignee"), pk, request.user)
    return _round_page(request, patrol)


@console_view(Perm.DO_FACILITIES_WORK)
def checkpoint_qr(request, token):
    """Where a checkpoint's QR label leads: the scan is recorded in the route's current round."""
    checkpoint = (
        Checkpoint.objects.visible_to(request.user).filter(qr_token=token).select_related("route").first()
    )
    if checkpoint is None:
        raise Http404(_("巡查点不存在"))
    patrol = services.current_round(checkpoint)
    if patrol is None:
        messages.warning(request, _("“%(route)s”现在没有进行中的巡查轮次") % {"route": checkpoint.route.name})
        return redirect("facilities:route", pk=checkpoint.route_id)
    if request.method == "POST":
        try:
            scan = services.round_scan(actor=request.user, patrol=patrol, code=token)
        except (ValidationError, Conflict) as exc:
            messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))
        else:
            note = (
                ""
                if scan.in_window and scan.in_order
                else _("（%(flags)s）")
                % {
                    "flags": "、".join(
                        f
                        for f, bad in (
                            (_("不在时段内"), not scan.in_window),
                            (_("未按顺序"), not scan.in_order),
                        )
                        if bad
                    )
                }
            )
            messages.success(request, _("已打卡：%(name)s%(note)s") % {"name": checkpoint.name, "note": note})
        return redirect("facilities:round", pk=patrol.pk)
    return render(
        request,
        "facilities/checkpoint_scan.html",
        {"title": checkpoint.name, "checkpoint": checkpoint, "patrol": patrol},
    )


@require_POST
@console_view(Perm.DO_FACILITIES_WORK)
def round_finding(request, pk):
    patrol = visible_or_404(PatrolRound.objects.select_related("route"), pk, request.user)
    checkpoints = _round_checkpoints(patrol)
    form = FindingForm(request.POST, request.FILES, checkpoints=checkpoints)
    if form.is_valid():
        try:
            finding = services.finding_report(
                actor=request.user,
                patrol=patrol,
                checkpoint_id=int(form.cleaned_data["checkpoint"]),
                description=form.cleaned_data["description"],
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            for key, errors in (
                exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            ).items():
                name = {"checkpoint_id": "checkpoint", "file": "photos"}.get(key, key)
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("已上报，报事单号 %(number)s") % {"number": finding.ticket.number})
            return redirect("facilities:round", pk=pk)
    return _round_page(request, patrol, form=form, status=422)
