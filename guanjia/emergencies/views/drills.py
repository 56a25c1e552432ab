"""Drill pages: the year's drills and figures (planning, starting), one drill and its yearly
fire-system test."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.emergencies import selectors, services
from guanjia.emergencies.choices import DrillStatus, EventKind
from guanjia.emergencies.forms import DrillForm, FireTestForm
from guanjia.emergencies.models import Drill, EmergencyPlan
from guanjia.estates.models import Project
from guanjia.facilities.models import MaintenanceTask
from guanjia.web.helpers import console_view, save_via_service, style_form


@console_view(Perm.VIEW_EMERGENCIES)
def drill_list(request):
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    projects = list(Project.objects.visible_to(request.user).order_by("name"))
    plans = list(EmergencyPlan.objects.visible_to(request.user).filter(is_active=True))
    fire_tasks = _fire_tasks(request.user, year)
    form = DrillForm(request.POST or None, projects=projects, plans=plans, fire_tasks=fire_tasks)
    can_change = user_can(request.user, Perm.CHANGE_EMERGENCIES)
    if request.method == "POST":
        if request.POST.get("form") == "start":
            drill = visible_or_404(Drill.objects.all(), request.POST.get("drill_id"), request.user)
            try:
                incident = services.drill_start(actor=request.user, drill=drill, data={})
            except (Conflict, NotAllowed) as exc:
                messages.error(request, exc.message)
                return redirect("emergencies:drill_list")
            return redirect("emergencies:incident_detail", pk=incident.pk)
        if save_via_service(request, form, lambda d: services.drill_plan(actor=request.user, data=d)):
            messages.success(request, _("演练已计划"))
            return redirect("emergencies:drill_list")
    style_form(form)
    drills = list(
        Drill.objects.visible_to(request.user)
        .filter(planned_for__year=year)
        .select_related("project", "plan", "incident", "fire_test")
        .order_by("planned_for", "id")
    )
    return render(
        request,
        "emergencies/drill_list.html",
        {
            "drills": drills,
            "figures": selectors.drill_figures(request.user, year),
            "times": selectors.response_times(request.user, year),
            "form": form,
            "year": year,
            "can_change": can_change,
            "planned": DrillStatus.PLANNED,
            "title": _("应急演练"),
        },
    )


def _fire_tasks(user, year: int) -> list:
    """The yearly fire-plan tasks (whole-system test) of the projects the user sees, for a year."""
    return list(
        MaintenanceTask.objects.visible_to(user)
        .filter(plan__template=services.FIRE_YEARLY_TEMPLATE, period_start__year__in=(year, year + 1))
        .select_related("project", "equipment")
        .order_by("project__name", "period_start", "equipment__code")[:200]
    )


@console_view(Perm.VIEW_EMERGENCIES)
def drill_detail(request, pk):
    """A drill: its plan, day, run (the incident), evaluation and the yearly fire-system test it goes with."""
    drill = visible_or_404(
        Drill.objects.select_related("project", "plan", "incident", "fire_test", "fire_test__equipment"),
        pk,
        request.user,
    )
    can_change = user_can(request.user, Perm.CHANGE_EMERGENCIES)
    is_fire = drill.plan.kind == EventKind.FIRE
    tasks = (
        list(
            services.fire_test_candidates(drill.project_id, drill.planned_for)
            .filter(pk__in=MaintenanceTask.objects.visible_to(request.user).values("pk"))
            .select_related("project")
        )
        if is_fire
        else []
    )
    form = FireTestForm(request.POST or None, tasks=tasks, initial={"task_id": drill.fire_test_id})
    status = 200
    if request.method == "POST" and can_change and is_fire:
        if save_via_service(
            request,
            form,
            lambda d: services.drill_link_fire_test(actor=request.user, drill=drill, task_id=d["task_id"]),
        ):
            messages.success(request, _("已保存"))
            return redirect("emergencies:drill_detail", pk=drill.pk)
        status = 422
    style_form(form)
    return render(
        request,
        "emergencies/drill_detail.html",
        {
            "drill": drill,
            "task": drill.fire_test,
            "is_fire": is_fire,
            "form": form,
            "can_change": can_change,
            "title": str(drill),
        },
        status=status,
    )
