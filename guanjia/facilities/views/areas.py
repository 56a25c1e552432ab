"""Pages of environmental work over common areas: the areas (list, edit, QR labels, the phone page
a label opens), the task list of every discipline (filter, .xlsx export) and the supervisor's check."""

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

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.dataio.spreadsheets import rows_to_xlsx
from guanjia.facilities import labels, services
from guanjia.facilities.choices import OPEN_TASK_STATUSES, CheckResult, TaskStatus
from guanjia.facilities.forms import AreaFilterForm, AreaForm, TaskFilterForm
from guanjia.facilities.models import Area, MaintenanceTask
from guanjia.facilities.views.common import XLSX
from guanjia.web.helpers import (
    console_view,
    detail_context,
    list_page,
    render_form,
    save_via_service,
    style_form,
)

# Areas --------------------------------------------------------------------------------------------


def _filtered_areas(request):
    form = AreaFilterForm(request.GET or None, user=request.user)
    qs = Area.objects.visible_to(request.user).select_related("project", "building")
    if form.is_valid():
        if form.cleaned_data["project"]:
            qs = qs.filter(project=form.cleaned_data["project"])
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
    return form, qs.order_by("project_id", "kind", "name", "id")


@console_view(Perm.VIEW_FACILITIES)
def area_list(request):
    form, qs = _filtered_areas(request)
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="facilities/_area_table.html",
        template="facilities/area_list.html",
        context={
            "title": _("公共区域"),
            "filter_form": form,
            "can_change": user_can(request.user, Perm.CHANGE_FACILITIES),
        },
    )


@console_view(Perm.VIEW_FACILITIES)
def area_labels(request):
    """A printable sheet of QR labels for the listed areas: a cleaner scans one to start the work."""
    _form, qs = _filtered_areas(request)
    items = [
        labels.Label(
            title=a.name,
            lines=[a.get_kind_display(), f"{a.project.name} {a.place}".strip()],
            url=labels.absolute(reverse("facilities:area_qr", args=[a.qr_token])),
        )
        for a in qs[:600]
    ]
    pdf = labels.label_sheet(items, heading=_("区域二维码标签"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="area-labels.pdf"'
    return response


@console_view(Perm.CHANGE_FACILITIES)
def area_edit(request, pk=None):
    area = visible_or_404(Area.objects, pk, request.user) if pk else None
    initial = None
    if area is not None:
        initial = {
            "kind": area.kind,
            "name": area.name,
            "building": area.building_id,
            "place": area.place,
            "is_active": area.is_active,
        }
    form = AreaForm(request.POST or None, user=request.user, editing=area is not None, initial=initial)
    if request.method == "POST":
        if area is None:
            call = lambda data: services.area_create(actor=request.user, data=form.service_data())  # noqa: E731
        else:
            call = lambda data: services.area_update(actor=request.user, area=area, data=form.service_data())  # noqa: E731
        saved = save_via_service(
            request, form, call, field_map={"building_id": "building", "project_id": "project"}
        )
        if saved is not None:
            messages.success(request, _("已保存区域 %(name)s") % {"name": saved.name})
            return redirect("facilities:area", pk=saved.pk)
    title = _("编辑区域") if area else _("新建区域")
    return render_form(request, form, title=title, cancel_url=reverse("facilities:area_list"))


def _area_page(request, area: Area, *, scanned: bool):
    today = timezone.localdate()
    tasks = (
        MaintenanceTask.objects.visible_to(request.user).filter(area=area).select_related("plan", "done_by")
    )
    ctx = detail_context(
        area,
        request.user,
        title=area.name,
        scanned=scanned,
        now=timezone.now(),
        can_change=user_can(request.user, Perm.CHANGE_FACILITIES),
        can_work=user_can(request.user, Perm.DO_FACILITIES_WORK),
        due=list(tasks.filter(status__in=OPEN_TASK_STATUSES, period_start__lte=today).order_by("due_at")),
        done=list(tasks.filter(status=TaskStatus.DONE).order_by("-done_at")[:10]),
    )
    return render(request, "facilities/area_detail.html", ctx)


@console_view(Perm.VIEW_FACILITIES)
def area_detail(request, pk):
    area = visible_or_404(Area.objects.select_related("project", "building"), pk, request.user)
    return _area_page(request, area, scanned=False)


@console_view(Perm.VIEW_FACILITIES)
def area_qr(request, token):
    """Where an area's QR label leads: its phone page, with the due work ready to start."""
    area = (
        Area.objects.visible_to(request.user)
        .select_related("project", "building")
        .filter(qr_token=token)
        .first()
    )
    if area is None:
        raise Http404(_("区域不存在"))
    return _area_page(request, area, scanned=True)


# Tasks of every discipline ------------------------------------------------------------------------


def filtered_tasks(request):
    """The task list's rows, as its filter says (the page and its export read the same)."""
    form = TaskFilterForm(request.GET or None, user=request.user)
    qs = MaintenanceTask.objects.visible_to(request.user).select_related(
        "project", "plan", "equipment", "area", "assignee", "checker", "done_by", "checked_by"
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["discipline"]:
            qs = qs.filter(discipline=data["discipline"])
        if data["since"]:
            qs = qs.filter(period_start__gte=data["since"])
        if data["until"]:
            qs = qs.filter(period_start__lte=data["until"])
        state = data["state"]
        if state == "open":
            qs = qs.filter(status__in=OPEN_TASK_STATUSES)
        elif state == "overdue":
            qs = qs.filter(status__in=OPEN_TASK_STATUSES, due_at__lt=timezone.now())
        elif state == "unchecked":
            qs = qs.filter(status=TaskStatus.DONE).filter(~Q(check_result=CheckResult.PASSED))
        elif state == "done":
            qs = qs.filter(status=TaskStatus.DONE)
    return form, qs.order_by("-period_start", "due_at", "id")


@console_view(Perm.VIEW_FACILITIES)
def task_list(request):
    form, qs = filtered_tasks(request)
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="facilities/_task_table.html",
        template="facilities/task_list.html",
        context={"title": _("计划任务"), "filter_form": form, "now": timezone.now()},
    )


def task_rows(qs) -> list[list]:
    rows = [
        [
            _("项目"),
            _("工作类别"),
            _("计划"),
            _("对象"),
            _("周期开始"),
            _("完成期限"),
            _("状态"),
            _("逾期"),
            _("外包单位"),
            _("责任人"),
            _("完成人"),
            _("完成时间"),
            _("不合格项"),
            _("验收结果"),
            _("验收人"),
            _("验收意见"),
        ]
    ]
    now = timezone.now()
    for t in qs[:10000]:
        rows.append(
            [
                t.project.name,
                t.get_discipline_display(),
                t.plan.name,
                str(t.target),
                t.period_start.isoformat(),
                timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M"),
                t.get_status_display(),
                _("是") if t.status in OPEN_TASK_STATUSES and t.due_at < now else "",
                t.plan.contractor,
                t.assignee.name if t.assignee_id else "",
                t.done_by.get_full_name() if t.done_by_id else "",
                timezone.localtime(t.done_at).strftime("%Y-%m-%d %H:%M") if t.done_at else "",
                t.failed_lines,
                t.get_check_result_display() if t.check_result else "",
                t.checked_by.get_full_name() if t.checked_by_id else "",
                t.check_note,
            ]
        )
    return rows


@console_view(Perm.VIEW_FACILITIES)
def task_export(request):
    _form, qs = filtered_tasks(request)
    response = HttpResponse(rows_to_xlsx(task_rows(qs), title=_("计划任务")), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="planned-tasks.xlsx"'
    return response


@require_POST
@console_view(Perm.VIEW_FACILITIES)
def task_check(request, pk):
    """The supervisor's check (验收): accept, or send back with a reason."""
    task = visible_or_404(MaintenanceTask.objects, pk, request.user)
    passed = request.POST.get("passed") == "1"
    try:
        services.task_check(actor=request.user, task=task, passed=passed, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已验收合格") if passed else _("已退回返工"))
    return redirect("facilities:task", pk=pk)
