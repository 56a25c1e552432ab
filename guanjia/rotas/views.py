"""Pages of rotas. Console: the rota grid (a week or a month, gaps highlighted; assign, copy a week
forward), posts with their printable clock-in QR codes, shift patterns, swaps to decide and the
monthly attendance sheet with corrections. Phone: my shifts (ask for a swap) and the clock page a
post's QR code opens. Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.rotas import selectors, services
from guanjia.rotas.choices import SwapStatus
from guanjia.rotas.forms import (
    AssignForm,
    CopyWeekForm,
    CorrectForm,
    GridFilterForm,
    MonthForm,
    PatternForm,
    PostForm,
    SwapForm,
    this_month,
)
from guanjia.rotas.models import Post, Shift, ShiftPattern, SwapRequest
from guanjia.rotas.services.clocking import clockable_shift, post_by_token
from guanjia.rotas.services.common import may_lead
from guanjia.staff.choices import Department
from guanjia.web.helpers import add_service_errors, console_view, save_via_service

DEPARTMENTS = dict(Department.choices)


def _grid_params(request):
    form = GridFilterForm(request.GET or None, user=request.user)
    project = form.fields["project"].queryset.first()
    view, start, department = "week", timezone.localdate(), ""
    if form.is_bound and form.is_valid():
        project = form.cleaned_data["project"]
        view = form.cleaned_data["view"] or "week"
        start = form.cleaned_data["start"] or start
        department = form.cleaned_data["department"]
    return form, project, view, start, department


@console_view(Perm.VIEW_ROTAS)
def grid(request):
    form, project, view, start, department = _grid_params(request)
    context = {"title": _("排班表"), "filter_form": form, "project": project, "view": view}
    if project is not None:
        first, last = selectors.period(start, view)
        step = datetime.timedelta(days=7) if view == "week" else datetime.timedelta(days=32)
        query = {"project": project.pk, "view": view, "department": department}
        context.update(
            grid=selectors.rota_grid(
                request.user, project_id=project.pk, first=first, last=last, department=department
            ),
            first=first,
            last=last,
            prev_query=urlencode({**query, "start": (first - datetime.timedelta(days=1)).isoformat()}),
            next_query=urlencode({**query, "start": (first + step).isoformat()}),
            query=urlencode({**query, "start": first.isoformat()}),
            can_plan=user_can(request.user, Perm.PLAN_ROTAS),
            assign_form=AssignForm(user=request.user, project_id=project.pk, initial={"date": first}),
            copy_form=CopyWeekForm(
                user=request.user,
                project_id=project.pk,
                initial={"from_monday": first - datetime.timedelta(days=first.weekday())},
            ),
        )
    return render(request, "rotas/grid.html", context)


def _back_to_grid(request):
    return redirect(reverse("rotas:grid") + "?" + request.POST.get("back", ""))


@require_POST
@console_view(Perm.PLAN_ROTAS)
def assign(request):
    project_id = request.POST.get("project_id")
    form = AssignForm(
        request.POST, user=request.user, project_id=project_id if str(project_id).isdigit() else -1
    )

    def call(data):
        return services.shift_assign(
            actor=request.user,
            post=data["post"],
            pattern_id=data["pattern"].pk,
            date=data["date"],
            staff_id=data["staff"].pk,
        )

    saved = save_via_service(request, form, call, field_map={"staff_id": "staff", "pattern_id": "pattern"})
    if saved is None:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, error if field == "__all__" else f"{form.fields[field].label}：{error}"
                )
    else:
        messages.success(
            request, _("已排班：%(name)s %(date)s") % {"name": saved.staff.name, "date": saved.date}
        )
    return _back_to_grid(request)


@require_POST
@console_view(Perm.PLAN_ROTAS)
def copy_week(request):
    project_id = request.POST.get("project_id")
    form = CopyWeekForm(
        request.POST, user=request.user, project_id=project_id if str(project_id).isdigit() else -1
    )

    def call(data):
        return services.rota_copy_week(
            actor=request.user, post=data["post"], from_monday=data["from_monday"], weeks=data["weeks"]
        )

    result = save_via_service(request, form, call)
    if result is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("已复制 %(n)s 个班次") % {"n": result["created"]})
        if result["skipped"]:
            messages.warning(
                request, _("跳过(时间重叠或已离开项目)：%(s)s") % {"s": "、".join(result["skipped"][:20])}
            )
    return _back_to_grid(request)


@require_POST
@console_view(Perm.PLAN_ROTAS)
def shift_remove(request, pk):
    shift = visible_or_404(Shift.objects.select_related("post"), pk, request.user)
    try:
        services.shift_remove(actor=request.user, shift=shift)
        messages.success(request, _("已删除排班"))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    return _back_to_grid(request)


@console_view(Perm.VIEW_ROTAS)
def post_list(request):
    form = PostForm(request.POST or None, user=request.user)
    if request.method == "POST":

        def call(data):
            return services.post_create(
                actor=request.user,
                data={
                    "project_id": data["project"].pk,
                    "name": data["name"],
                    "department": data["department"],
                    "min_cover": data["min_cover"],
                    "pattern_ids": [p.pk for p in data["patterns"]],
                },
            )

        try:
            saved = save_via_service(
                request, form, call, field_map={"project_id": "project", "pattern_ids": "patterns"}
            )
        except NotAllowed as exc:
            form.add_error(None, exc.message)
            saved = None
        if saved is not None:
            messages.success(request, _("已添加岗位 %(name)s") % {"name": saved.name})
            return redirect("rotas:posts")
    posts = Post.objects.visible_to(request.user).select_related("project").prefetch_related("patterns")
    return render(
        request,
        "rotas/post_list.html",
        {
            "title": _("岗位"),
            "posts": posts.order_by("project__name", "department", "name"),
            "form": form,
            "can_plan": user_can(request.user, Perm.PLAN_ROTAS),
        },
        status=422 if form.errors else 200,
    )


def _clock_url(post: Post) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("rotas:clock", args=[post.qr_token])


@console_view(Perm.VIEW_ROTAS)
def post_qr(request, pk):
    """A printable page: the post's clock-in QR code (its phone camera opens the clock page)."""
    post = visible_or_404(Post.objects.select_related("project"), pk, request.user)
    url = _clock_url(post)
    # segno's own SVG of our URL (a url-safe token): nothing a user typed.
    svg = mark_safe(segno.make(url, error="m").svg_inline(scale=8))  # noqa: S308
    return render(request, "rotas/post_qr.html", {"title": post.name, "post": post, "svg": svg, "url": url})


@console_view(Perm.VIEW_ROTAS)
def pattern_list(request):
    form = PatternForm(request.POST or None)
    if request.method == "POST":
        try:
            saved = save_via_service(
                request, form, lambda data: services.pattern_create(actor=request.user, data=data)
            )
        except NotAllowed as exc:
            form.add_error(None, exc.message)
            saved = None
        if saved is not None:
            messages.success(request, _("已添加班次 %(name)s") % {"name": saved.name})
            return redirect("rotas:patterns")
    return render(
        request,
        "rotas/pattern_list.html",
        {
            "title": _("班次"),
            "patterns": ShiftPattern.objects.visible_to(request.user),
            "form": form,
            "can_plan": user_can(request.user, Perm.PLAN_ROTAS),
        },
        status=422 if form.errors else 200,
    )


@console_view(Perm.VIEW_ROTAS)
def swap_list(request):
    swaps = (
        SwapRequest.objects.visible_to(request.user)
        .select_related("shift__post", "shift__pattern", "requester", "taker", "project")
        .order_by("-created_at")[:200]
    )
    rows = [
        {"swap": s, "may_decide": s.status == SwapStatus.PENDING and may_lead(request.user, s.shift.post)}
        for s in swaps
    ]
    return render(request, "rotas/swap_list.html", {"title": _("换班审批"), "rows": rows})


@require_POST
@console_view(Perm.PLAN_ROTAS)
def swap_decide(request, pk, verdict):
    swap = visible_or_404(
        SwapRequest.objects.select_related("shift__post", "requester", "taker"), pk, request.user
    )
    if verdict not in ("approve", "reject"):
        raise Http404
    act = services.swap_approve if verdict == "approve" else services.swap_reject
    try:
        act(actor=request.user, swap=swap, note=request.POST.get("note", ""))
        messages.success(request, _("已处理换班申请"))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("rotas:swaps")


def _month_params(request):
    form = MonthForm(request.GET or None, user=request.user)
    month, project, department = this_month(), None, ""
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"] or month
        project = form.cleaned_data["project"]
        department = form.cleaned_data["department"]
        try:
            selectors.month_bounds(month)
        except ValidationError as exc:
            form.add_error("month", exc.messages)
            month = this_month()
    return form, month, project, department


@console_view(Perm.VIEW_ROTAS)
def attendance(request):
    form, month, project, department = _month_params(request)
    rows = list(
        selectors.attendance_sheet(
            request.user, month=month, project_id=project.pk if project else None, department=department
        )[:2000]
    )
    for row in rows:
        row["department_label"] = DEPARTMENTS.get(row["staff__department"], row["staff__department"])
        row["worked_hours"] = round(row["worked_minutes"] / 60, 1)
    totals = selectors.department_totals(rows)
    for t in totals:
        t["label"] = DEPARTMENTS.get(t["department"], t["department"])
        t["worked_hours"] = round(t["worked_minutes"] / 60, 1)
    query = urlencode({"month": month, "project": project.pk if project else "", "department": department})
    return render(
        request,
        "rotas/attendance.html",
        {
            "title": _("月度考勤"),
            "filter_form": form,
            "rows": rows,
            "totals": totals,
            "query": query,
            "month": month,
        },
    )


@console_view(Perm.VIEW_ROTAS)
def attendance_person(request, staff_id):
    _form, month, project, _department = _month_params(request)
    first, last = selectors.month_bounds(month)
    shifts = selectors.my_shifts(request.user, staff_id=staff_id, first=first, last=last)
    if project:
        shifts = shifts.filter(project=project)
    return render(
        request,
        "rotas/attendance_person.html",
        {
            "title": _("个人考勤明细"),
            "shifts": shifts,
            "month": month,
            "can_plan": user_can(request.user, Perm.PLAN_ROTAS),
        },
    )


@console_view(Perm.PLAN_ROTAS)
def shift_correct(request, pk):
    shift = visible_or_404(Shift.objects.select_related("post", "staff", "pattern"), pk, request.user)
    initial = {
        "status": shift.status,
        "clock_in_at": timezone.localtime(shift.clock_in_at) if shift.clock_in_at else None,
        "clock_out_at": timezone.localtime(shift.clock_out_at) if shift.clock_out_at else None,
    }
    form = CorrectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("status", "clock_in_at", "clock_out_at")}
        try:
            services.shift_correct(
                actor=request.user, shift=shift, data=data, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("考勤已更正"))
            return redirect(
                reverse("rotas:attendance_person", args=[shift.staff_id]) + f"?month={shift.date:%Y-%m}"
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (NotAllowed, Conflict) as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "rotas/shift_correct.html",
        {"title": _("更正考勤"), "shift": shift, "form": form, "corrections": shift.corrections.all()},
        status=422 if form.errors else 200,
    )


# Phone pages of the staff ---------------------------------------------------------------------------


@console_view()
def my_shifts(request):
    """My shifts of the last week and the next two; ask for a swap of one."""
    staff_id = scope_for(request.user).staff_id
    today = timezone.localdate()
    shifts = []
    if staff_id is not None:
        shifts = list(
            selectors.my_shifts(
                request.user,
                staff_id=staff_id,
                first=today - datetime.timedelta(days=7),
                last=today + datetime.timedelta(days=14),
            )
        )
    pending = set(
        SwapRequest.objects.filter(shift__in=shifts, status=SwapStatus.PENDING).values_list(
            "shift_id", flat=True
        )
    )
    now = timezone.now()
    for shift in shifts:
        shift.swap_pending = shift.pk in pending
        shift.may_swap = shift.starts_at > now and not shift.swap_pending and shift.clock_in_at is None
    return render(
        request,
        "rotas/my_shifts.html",
        {"title": _("我的排班"), "shifts": shifts, "is_staff": staff_id is not None},
    )


@console_view()
def swap_request(request, pk):
    staff_id = scope_for(request.user).staff_id
    shift = visible_or_404(
        Shift.objects.select_related("post", "pattern", "staff").filter(staff_id=staff_id or -1),
        pk,
        request.user,
    )
    form = SwapForm(request.POST or None, user=request.user, shift=shift)
    if request.method == "POST":

        def call(data):
            return services.swap_request(
                actor=request.user, shift=shift, taker_id=data["taker"].pk, reason=data["reason"]
            )

        try:
            saved = save_via_service(request, form, call, field_map={"taker_id": "taker"})
        except NotAllowed as exc:
            form.add_error(None, exc.message)
            saved = None
        if saved is not None:
            messages.success(request, _("换班申请已提交，等待主管审批"))
            return redirect("rotas:my_shifts")
    return render(
        request,
        "rotas/swap_form.html",
        {"title": _("申请换班"), "shift": shift, "form": form},
        status=422 if form.errors else 200,
    )


@console_view()
def clock(request, token):
    """What a post's QR code opens on the person's phone: their shift here, and the button."""
    error, shift, post = "", None, None
    try:
        post = post_by_token(token)
        if request.method == "POST":
            shift = services.clock(
                actor=request.user,
                token=token,
                lat=request.POST.get("lat") or None,
                lng=request.POST.get("lng") or None,
            )
            messages.success(
                request,
                _("下班打卡成功")
                if shift.clock_out_at
                else _("上班打卡成功：%(s)s") % {"s": shift.get_status_display()},
            )
            return redirect("rotas:clock", token=token)
        shift = clockable_shift(actor=request.user, post=post, now=timezone.now())
    except ValidationError as exc:
        error = "；".join(exc.messages)
    except Conflict as exc:
        error = exc.message
    return render(
        request,
        "rotas/clock.html",
        {"title": _("打卡"), "post": post if not error or shift else None, "shift": shift, "error": error},
        status=422 if error and request.method == "POST" else 200,
    )
