"""Pages of preventive maintenance: my work today, doing a task (scan, results, photos), and the
plans (with the fire-safety defaults)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.facilities import selectors, services
from guanjia.facilities.choices import Discipline, LineKind, TaskStatus
from guanjia.facilities.forms import FireDefaultsForm, PlanForm, checklist_to_text
from guanjia.facilities.models import MaintenancePlan, MaintenanceTask, PatrolRound
from guanjia.facilities.views.common import _project_param
from guanjia.web.helpers import console_view, detail_context, render_form, save_via_service, style_form


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


# Tasks --------------------------------------------------------------------------------------------


@require_POST
@console_view(Perm.DO_FACILITIES_WORK)
def task_start(request, pk):
    task = visible_or_404(MaintenanceTask.objects, pk, request.user)
    try:
        services.task_start(actor=request.user, task=task, code=request.POST.get("code", ""))
    except (ValidationError, Conflict) as exc:
        messages.error(request, getattr(exc, "message", None) or "；".join(exc.messages))
        if task.area_id:
            return redirect("facilities:area", pk=task.area_id)
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
            "plan", "equipment__building", "equipment__project", "area", "done_by", "checker", "checked_by"
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
    staff_id = scope_for(request.user).staff_id
    can_check = (
        task.status == TaskStatus.DONE
        and request.user.pk not in (task.done_by_id, task.scanned_by_id)
        and (user_can(request.user, Perm.CHANGE_FACILITIES) or (staff_id and staff_id == task.checker_id))
    )
    ctx = detail_context(
        task,
        request.user,
        title=task.plan.name,
        task=task,
        lines=lines,
        can_fill=can_fill,
        can_check=can_check,
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
        .select_related("project", "equipment", "equipment_type", "area", "assignee", "checker")
        .order_by("project__name", "name")
    )
    if _project_param(request):
        plans = plans.filter(project_id=_project_param(request))
    discipline = request.GET.get("discipline", "")
    if discipline in Discipline.values:
        plans = plans.filter(discipline=discipline)
    fire_form = style_form(FireDefaultsForm(user=request.user, initial={"starts_on": timezone.localdate()}))
    return render(
        request,
        "facilities/plan_list.html",
        {
            "title": _("维保计划"),
            "plans": plans,
            "fire_form": fire_form,
            "can_change": user_can(request.user, Perm.CHANGE_FACILITIES),
            "discipline": discipline,
            "disciplines": Discipline.choices,
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
            "discipline": plan.discipline,
            "equipment": plan.equipment_id,
            "equipment_type": plan.equipment_type_id,
            "area": plan.area_id,
            "area_kind": plan.area_kind,
            "contractor": plan.contractor,
            "checker": plan.checker_id,
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
        "area_id": "area",
        "checker_id": "checker",
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
