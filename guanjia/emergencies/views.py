"""Console pages of emergencies: the board, opening an incident from a phone, the live incident page,
plans, command posts, drills, and the residents' statements page. Thin: every change is a service."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm, user_can
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.emergencies import selectors, services
from guanjia.emergencies.choices import CallResult, DrillStatus, EventKind, IncidentStatus, Position
from guanjia.emergencies.forms import (
    CALL_RESULTS,
    CommanderForm,
    DocumentForm,
    DrillForm,
    FireTestForm,
    MemberForm,
    OpenIncidentForm,
    PlanForm,
)
from guanjia.emergencies.models import (
    CommandPost,
    CommandPostMember,
    Drill,
    EmergencyPlan,
    FollowUpCall,
    Incident,
    Statement,
    SupportingDocument,
)
from guanjia.estates.models import Building, Project
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import console_view, render_form, save_via_service, style_form

LINE_FIELDS = ("general_procedure", "night_procedure", "aftermath", "documents")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- board and opening -------------------------------------------------------------------------


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
        Building.objects.visible_to(request.user).select_related("project").order_by("project__name", "name")
    )
    from guanjia.facilities.models import Equipment

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


# --- the live incident page --------------------------------------------------------------------


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


@console_view(Perm.VIEW_EMERGENCIES)
def incident_calls(request, pk):
    """The aftermath call list: every resident of every affected unit, with the result of the call."""
    incident = _incident(request, pk)
    qs = (
        FollowUpCall.objects.visible_to(request.user)
        .filter(incident=incident)
        .select_related("unit__building", "resident", "called_by")
        .order_by("result", "unit__building__name", "unit__floor", "unit__number", "id")
    )
    if request.GET.get("result") in CallResult.values:
        qs = qs.filter(result=request.GET["result"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "emergencies/calls.html",
        {
            "incident": incident,
            "page": page,
            "rows": page.object_list,
            "call_results": CALL_RESULTS,
            "title": _("善后回访"),
        },
    )


# --- plans -------------------------------------------------------------------------------------


@console_view(Perm.VIEW_EMERGENCIES)
def plan_list(request):
    plans = list(EmergencyPlan.objects.visible_to(request.user))
    if not plans and user_can(request.user, Perm.CHANGE_EMERGENCIES):
        services.plans_ensure_defaults(company=request.user.company, actor=request.user)
        plans = list(EmergencyPlan.objects.visible_to(request.user))
    return render(request, "emergencies/plan_list.html", {"plans": plans, "title": _("应急预案")})


@console_view(Perm.VIEW_EMERGENCIES)
def plan_detail(request, pk):
    plan = visible_or_404(EmergencyPlan.objects.all(), pk, request.user)
    versions = list(plan.versions.order_by("-number").values("number", "created_at", "name"))
    shown = (
        plan.versions.filter(number=request.GET.get("v")).first()
        if request.GET.get("v", "").isdigit()
        else None
    )
    content = shown.content if shown else plan.content
    duties = [
        {"position": p, "label": Position(p).label, "items": content.get("duties", {}).get(p, [])}
        for p in Position.values
        if content.get("duties", {}).get(p)
    ]
    levels = [
        {
            **lv,
            "decides_label": Position(lv["decides"]).label
            if lv.get("decides") in Position.values
            else _("公司总经理"),
            "responder_labels": [Position(r).label for r in lv.get("responders", []) if r in Position.values],
        }
        for lv in content.get("levels", [])
    ]
    return render(
        request,
        "emergencies/plan_detail.html",
        {
            "plan": plan,
            "content": content,
            "shown": shown,
            "versions": versions,
            "duties": duties,
            "levels": levels,
            "title": plan.name,
            "can_change": user_can(request.user, Perm.CHANGE_EMERGENCIES),
        },
    )


@console_view(Perm.CHANGE_EMERGENCIES)
def plan_edit(request, pk):
    plan = visible_or_404(EmergencyPlan.objects.all(), pk, request.user)
    content = plan.content
    positions = [p for p in Position.values if p in content.get("duties", {})]
    positions += [
        p for p in request.POST.getlist("add_position") if p in Position.values and p not in positions
    ]
    initial = {
        "name": plan.name,
        "is_active": plan.is_active,
        "purpose": content.get("purpose", ""),
        "scope": content.get("scope", ""),
        **PlanForm.level_initial(content.get("levels", [])),
        **{f: "\n".join(content.get(f, [])) for f in LINE_FIELDS},
        **{f"duty_{p}": "\n".join(content.get("duties", {}).get(p, [])) for p in positions},
    }
    form = PlanForm(request.POST or None, initial=initial, positions=positions)

    def save(data):
        new = dict(content)
        new.update(purpose=data["purpose"], scope=data["scope"], levels=form.levels())
        for f in LINE_FIELDS:
            new[f] = _lines(data[f])
        new["duties"] = {
            p: _lines(data.get(f"duty_{p}", "")) for p in positions if _lines(data.get(f"duty_{p}", ""))
        }
        return services.plan_update(
            actor=request.user,
            plan=plan,
            data={"name": data["name"], "is_active": data["is_active"], "content": new},
        )

    if request.method == "POST":
        saved = save_via_service(request, form, save)
        if saved is not None:
            messages.success(request, _("预案已保存为第 %(v)s 版") % {"v": saved.version})
            return redirect("emergencies:plan_detail", pk=plan.pk)
    return render_form(
        request,
        form,
        title=_("修改预案：%(name)s") % {"name": plan.name},
        cancel_url=f"/emergencies/plans/{plan.pk}/",
    )


# --- command posts -----------------------------------------------------------------------------


@console_view(Perm.VIEW_EMERGENCIES)
def post_list(request):
    projects = list(Project.objects.visible_to(request.user).order_by("name"))
    # A constant number of queries however many projects: posts with commander, all members with
    # their staff, who serves which project, the plans.
    posts = {
        p.project_id: p
        for p in CommandPost.objects.visible_to(request.user)
        .select_related("commander")
        .prefetch_related(Prefetch("members", queryset=CommandPostMember.objects.select_related("staff")))
    }
    plans = list(EmergencyPlan.objects.visible_to(request.user).filter(is_active=True))
    serving = services.serving_by_project(posts)
    rows = []
    for project in projects:
        post = posts.get(project.pk)
        gaps = (
            services.post_gaps(post, plans, members=list(post.members.all()), serving=serving[project.pk])
            if post
            else None
        )
        rows.append({"project": project, "post": post, "gaps": gaps})
    return render(request, "emergencies/post_list.html", {"rows": rows, "title": _("应急指挥部")})


@console_view(Perm.VIEW_EMERGENCIES)
def post_detail(request, project_pk):
    project = visible_or_404(Project.objects.all(), project_pk, request.user)
    post = CommandPost.objects.filter(project=project).select_related("commander").first()
    can_change = user_can(request.user, Perm.CHANGE_EMERGENCIES)
    if post is None and can_change:
        post = services.post_ensure(actor=request.user, project=project)
    staff = list(StaffMember.objects.visible_to(request.user).filter(projects=project).order_by("name"))
    plans = list(EmergencyPlan.objects.visible_to(request.user).filter(is_active=True))
    commander_form = CommanderForm(
        initial={
            "commander_id": post.commander_id if post else None,
            "control_room_phone": post.control_room_phone if post else "",
        },
        managers=services.project_managers(project),
    )
    member_form = MemberForm(staff=staff)
    document_form = DocumentForm(plans=plans)
    form = request.POST.get("form")
    if request.method == "POST" and post is not None:
        if form == "commander":
            commander_form = CommanderForm(request.POST, managers=services.project_managers(project))
            if save_via_service(
                request, commander_form, lambda d: services.post_update(actor=request.user, post=post, data=d)
            ):
                messages.success(request, _("已保存"))
                return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "member":
            member_form = MemberForm(request.POST, staff=staff)
            if save_via_service(
                request, member_form, lambda d: services.member_add(actor=request.user, post=post, data=d)
            ):
                messages.success(request, _("已加入指挥部"))
                return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "remove":
            member = visible_or_404(post.members.all(), request.POST.get("member_id"), request.user)
            services.member_remove(actor=request.user, member=member)
            messages.success(request, _("已移出指挥部"))
            return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "document":
            document_form = DocumentForm(request.POST, request.FILES, plans=plans)
            if save_via_service(
                request,
                document_form,
                lambda d: services.document_add(
                    actor=request.user, project=project, data=d, upload=d["file"]
                ),
            ):
                messages.success(request, _("文件已上传"))
                return redirect("emergencies:post_detail", project_pk=project.pk)
        elif form == "document_delete":
            doc = visible_or_404(
                SupportingDocument.objects.filter(project=project),
                request.POST.get("document_id"),
                request.user,
            )
            services.document_delete(actor=request.user, document=doc)
            messages.success(request, _("文件已删除"))
            return redirect("emergencies:post_detail", project_pk=project.pk)
    for f in (commander_form, member_form, document_form):
        style_form(f)
    members = list(post.members.select_related("staff")) if post else []
    by_position = []
    for position in Position.values:
        if position == Position.COMMANDER:
            continue
        rows = [m for m in members if m.position == position]
        if rows:
            by_position.append({"position": position, "label": Position(position).label, "members": rows})
    documents = list(
        SupportingDocument.objects.visible_to(request.user).filter(project=project).select_related("plan")
    )
    return render(
        request,
        "emergencies/post_detail.html",
        {
            "project": project,
            "post": post,
            "by_position": by_position,
            "gaps": services.post_gaps(post, plans) if post else [],
            "documents": documents,
            "commander_form": commander_form,
            "member_form": member_form,
            "document_form": document_form,
            "can_change": can_change,
            "title": _("%(project)s 应急指挥部") % {"project": project.name},
        },
    )


@console_view(Perm.VIEW_EMERGENCIES)
def document_download(request, pk):
    doc = visible_or_404(SupportingDocument.objects.all(), pk, request.user)
    try:
        handle = default_storage.open(doc.file, "rb")
    except FileNotFoundError as exc:
        raise Http404(_("文件不存在")) from exc
    suffix = doc.file.rsplit(".", 1)[-1]
    return FileResponse(
        handle, content_type=doc.content_type, as_attachment=True, filename=f"{doc.title}.{suffix}"
    )


# --- drills ------------------------------------------------------------------------------------


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
    from guanjia.facilities.models import MaintenanceTask

    return list(
        MaintenanceTask.objects.visible_to(user)
        .filter(plan__template=services.FIRE_YEARLY_TEMPLATE, period_start__year__in=(year, year + 1))
        .select_related("project", "equipment")
        .order_by("project__name", "period_start", "equipment__code")[:200]
    )


@console_view(Perm.VIEW_EMERGENCIES)
def drill_detail(request, pk):
    """A drill: its plan, day, run (the incident), evaluation and the yearly fire-system test it goes with."""
    from guanjia.facilities.models import MaintenanceTask

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


# --- residents ---------------------------------------------------------------------------------


@console_view()
def statements(request):
    """Official statements of the projects a resident lives in (staff: of the projects they see)."""
    scope = scope_for(request.user)
    if not (scope.is_resident or user_can(request.user, Perm.VIEW_EMERGENCIES)):
        raise Http404
    since = timezone.now() - datetime.timedelta(days=365)
    rows = list(
        Statement.objects.visible_to(request.user)
        .filter(issued_at__gte=since)
        .select_related("incident", "project")
        .order_by("-issued_at")[:50]
    )
    return render(request, "emergencies/statements.html", {"rows": rows, "title": _("物业公告：突发事件")})
