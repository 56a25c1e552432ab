"""Pages of patrols: routes and their checkpoints (order, windows, QR labels), a supervisor's
today, rounds, checkpoint scans and findings."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.facilities import labels, selectors, services
from guanjia.facilities.forms import CheckpointForm, FindingForm, RouteForm
from guanjia.facilities.models import Checkpoint, PatrolRound, PatrolRoute
from guanjia.facilities.views.common import _project_param
from guanjia.web.helpers import console_view, detail_context, render_form, save_via_service, style_form

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
