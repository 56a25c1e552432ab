"""Incident pages: the board, opening an incident from a phone, the live incident page and its
actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.emergencies import selectors, services
from guanjia.emergencies.choices import IncidentStatus
from guanjia.emergencies.forms import CALL_RESULTS, OpenIncidentForm
from guanjia.emergencies.models import Drill, FollowUpCall, Incident
from guanjia.estates.models import Building, Project
from guanjia.facilities.models import Equipment
from guanjia.web.helpers import console_view, save_via_service, style_form


@console_view(Perm.VIEW_EMERGENCIES)
def board(request):
    """Open incidents of every project the user sees (HQ: the whole company), refreshing by itself."""
    rows = list(selectors.open_board(request.user)[:100])
    recent = list(
        selectors.incidents_for(request.user).filter(status=IncidentStatus.CLOSED).order_by("-closed_at")[:10]
    )
    ctx = {"rows": rows, "recent": recent, "title": _("应急看板")}
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, "emergencies/_board_rows.html", ctx)
    return render(request, "emergencies/board.html", ctx)


@console_view(Perm.OPEN_INCIDENT)
def incident_open(request):
    projects = list(Project.objects.visible_to(request.user).order_by("name"))
    buildings = list(
        Building.objects.visible_to(request.user)
        .select_related("project")
        .order_by("project__name", "sort_key", "id")
    )
    equipment = list(
        Equipment.objects.visible_to(request.user)
        .select_related("project")
        .order_by("project__name", "code")[:500]
    )
    form = OpenIncidentForm(request.POST or None, projects=projects, buildings=buildings, equipment=equipment)
    if request.method == "POST":
        incident = save_via_service(
            request, form, lambda data: services.incident_open(actor=request.user, data=data)
        )
        if incident is not None:
            messages.success(request, _("已启动应急预案，通知已发出"))
            return redirect("emergencies:incident_detail", pk=incident.pk)
    style_form(form)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "emergencies/open.html", {"form": form, "title": _("上报突发事件")}, status=status)


def _incident(request, pk) -> Incident:
    return visible_or_404(
        Incident.objects.select_related("project", "building", "plan_version", "plan"), pk, request.user
    )


@console_view(Perm.VIEW_EMERGENCIES)
def incident_detail(request, pk):
    incident = _incident(request, pk)
    ctx = selectors.incident_panel(incident, request.user)
    ctx["title"] = str(incident)
    ctx["timings"] = selectors.group_timings(incident) if incident.is_drill else None
    ctx["call_results"] = CALL_RESULTS
    ctx["equipment_choices"] = (
        selectors.equipment_choices(incident, request.user)
        if incident.status != IncidentStatus.CLOSED
        else []
    )
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, "emergencies/_incident_live.html", ctx)
    return render(request, "emergencies/incident_detail.html", ctx)


def _act(request, incident: Incident, action: str):
    post, user = request.POST, request.user
    match action:
        case "ack":
            services.incident_acknowledge(actor=user, incident=incident)
            return _("已响应")
        case "tick":
            services.checklist_tick(actor=user, incident=incident, item_id=post.get("item_id", ""))
            return _("已完成")
        case "level":
            services.incident_set_level(
                actor=user, incident=incident, level=post.get("level"), note=post.get("note", "")
            )
            return _("级别已变更")
        case "take_command":
            services.incident_take_command(actor=user, incident=incident)
            return _("已接管指挥")
        case "note":
            services.incident_log_add(
                actor=user,
                incident=incident,
                text=post.get("text", ""),
                photo=request.FILES.get("photo"),
                evidence=post.get("evidence") == "on",
            )
            return _("已记录")
        case "aftermath":
            services.incident_start_aftermath(actor=user, incident=incident)
            return _("已转入善后")
        case "call":
            call = visible_or_404(FollowUpCall.objects.filter(incident=incident), post.get("call_id"), user)
            services.call_record(
                actor=user, call=call, result=post.get("result", ""), note=post.get("note", "")
            )
            return _("回访结果已记录")
        case "report":
            services.report_write(actor=user, incident=incident, body=post.get("body", ""))
            return _("报告已提交，待项目经理审批")
        case "approve":
            services.report_approve(actor=user, incident=incident)
            return _("报告已审批并报总公司")
        case "statement":
            services.statement_issue(actor=user, incident=incident, body=post.get("body", ""))
            return _("已对外发布")
        case "ticket":
            services.ticket_raise(
                actor=user,
                incident=incident,
                data={"description": post.get("description", ""), "location": post.get("location", "")},
            )
            return _("工单已创建")
        case "link":
            services.ticket_link(actor=user, incident=incident, ticket_id=post.get("ticket_id"))
            return _("工单已关联")
        case "equipment":
            services.incident_link_equipment(
                actor=user,
                incident=incident,
                equipment_id=post.get("equipment_id"),
                note=post.get("note", ""),
            )
            return _("设备已关联")
        case "unequip":
            services.incident_unlink_equipment(
                actor=user, incident=incident, equipment_id=post.get("equipment_id")
            )
            return _("已取消关联设备")
        case "evaluate":
            drill = Drill.objects.filter(incident=incident).first()
            if drill is None:
                raise Http404
            services.drill_evaluate(
                actor=user, drill=drill, evaluation=post.get("evaluation", ""), score=post.get("score")
            )
            return _("评估已保存")
        case "close":
            services.incident_close(actor=user, incident=incident)
            return _("事件已关闭")
    raise Http404


@require_POST
@console_view(Perm.VIEW_EMERGENCIES)
def incident_act(request, pk, action):
    incident = _incident(request, pk)
    status = 200
    try:
        message = _act(request, incident, action)
        messages.success(request, message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        status = 422
    except Conflict as exc:
        messages.error(request, exc.message)
        status = 409
    except NotAllowed as exc:
        messages.error(request, exc.message)
        status = 403
    back = request.POST.get("next") or ""
    if back.startswith("/emergencies/") and not back.startswith("//"):
        return redirect(back)
    if getattr(request, "htmx", False) and status != 200:
        # Forms post without htmx; a stray htmx post still lands on the page with its message.
        pass
    return redirect("emergencies:incident_detail", pk=incident.pk)
