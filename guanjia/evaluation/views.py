"""The web console's pages of staff evaluation: figures, ranking sheets, service stars, training.
Every fetch is scoped, every write a ``services`` call."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.dataio.services import XLSX_TYPE, rows_to_xlsx
from guanjia.estates.models import Project
from guanjia.evaluation import figures, services
from guanjia.evaluation.choices import SheetStatus
from guanjia.evaluation.forms import AwardForm, RankingDraftForm, TrainingForm
from guanjia.evaluation.models import RankingRow, RankingSheet, StaffAward, TrainingRecord
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import add_service_errors, console_view, save_via_service, style_form


def _errors(exc: ValidationError) -> dict:
    return (
        {k: v[0] for k, v in exc.message_dict.items()}
        if hasattr(exc, "error_dict")
        else {"": exc.messages[0]}
    )


@console_view(Perm.REVIEW_STAFF)
def figures_page(request):
    """Per-person figures of a project (or every visible one) over a date range, sortable."""
    values = request.GET
    # By default the people who handled the most requests come first.
    if values.get("sort") in figures.SORT_KEYS:
        sort, descending = values["sort"], values.get("desc") == "1"
    else:
        sort, descending = "handled", True
    projects = Project.objects.visible_to(request.user).order_by("name")
    context = {"values": values, "projects": projects, "sort": sort, "desc": descending, "errors": {}}
    try:
        query = figures.figure_query(
            request.user, project_id=values.get("project"), start=values.get("from"), end=values.get("to")
        )
    except ValidationError as exc:
        context.update(errors=_errors(exc), rows=[])
        return render(request, "evaluation/figures.html", context, status=422)
    rows = figures.sort_rows(figures.staff_figures(request.user, query), sort, descending)
    base = {"project": query.project.pk if query.project else "", "from": query.start, "to": query.end}
    context.update(
        rows=rows,
        query=query,
        export_query=urlencode(base | {"sort": sort, "desc": int(descending)}),
        columns=[
            {
                "key": key,
                "label": label,
                "hint": FIGURE_HINTS.get(key, ""),
                "query": urlencode(base | {"sort": key, "desc": int(key == sort and not descending)}),
            }
            for key, label in FIGURE_COLUMNS
        ],
    )
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, "evaluation/_figures_table.html", context)
    return render(request, "evaluation/figures.html", context)


FIGURE_COLUMNS = [
    ("name", _lazy("姓名")),
    ("handled", _lazy("完成工单")),
    ("on_time_rate", _lazy("按时率")),
    ("rating_mean", _lazy("业主评分")),
    ("satisfied_rate", _lazy("回访满意率")),
    ("complaints", _lazy("被投诉(指名)")),
    ("complaints_assigned", _lazy("负责投诉")),
    ("rework", _lazy("返工次数")),
    ("first_contact_owned", _lazy("首问受理")),
    ("handed_over", _lazy("首问移交")),
    ("owner_followed_up", _lazy("首问回访")),
]

# The sentence beside each changed number (the column's hint; docs/figures.md says the same).
FIGURE_HINTS = {
    "handled": gettext_lazy("本期完工、处理人是此人的工单；无处理人而由其自行办结的也算。"),
    "satisfied_rate": gettext_lazy(
        "本期内就此人那一轮工作打出的每一次回访中满意的比例，不满意转返工的回访也算在内。"
    ),
    "complaints": gettext_lazy("本期受理、指名投诉此人的投诉。"),
    "complaints_assigned": gettext_lazy("本期受理、由此人处理（派给此人，或无人派工时由其办结）的投诉。"),
    "rework": gettext_lazy("本期内此人的工作被退回重做的次数：回访不满意或业主要求返工。"),
    "owner_followed_up": gettext_lazy("此人作为首问负责人、本期内亲自回访的工单数（满意或不满意都算）。"),
}

# The export's columns: every count behind the page's figures (docs/figures.md says what each means).
EXPORT_COLUMNS = [
    ("name", _lazy("姓名")),
    ("employee_no", _lazy("工号")),
    ("department", _lazy("部门")),
    ("handled", _lazy("完成工单")),
    ("deadlines_done", _lazy("时限完成数")),
    ("deadlines_on_time", _lazy("按时完成数")),
    ("on_time_rate", _lazy("按时率")),
    ("ratings", _lazy("评价数")),
    ("rating_mean", _lazy("平均评分")),
    ("answered", _lazy("回访数")),
    ("satisfied", _lazy("回访满意数")),
    ("satisfied_rate", _lazy("回访满意率")),
    ("complaints", _lazy("被投诉(指名)")),
    ("complaints_assigned", _lazy("负责投诉")),
    ("rework", _lazy("返工次数")),
    ("first_contact_owned", _lazy("首问受理")),
    ("handed_over", _lazy("首问移交")),
    ("owner_followed_up", _lazy("首问回访")),
]


def _export_value(row: dict, key: str):
    value = row[key]
    if key == "department":
        return str(Department(value).label) if value in Department.values else value
    if isinstance(value, Decimal):
        return float(value)
    return value


@console_view(Perm.REVIEW_STAFF)
def figures_export(request):
    """The figures page as a spreadsheet: the same project, range and order as on the page."""
    values = request.GET
    try:
        query = figures.figure_query(
            request.user, project_id=values.get("project"), start=values.get("from"), end=values.get("to")
        )
    except ValidationError as exc:
        field, message = next(iter(_errors(exc).items()))
        return HttpResponse(f"{field}: {message}", status=422, content_type="text/plain; charset=utf-8")
    sort = values.get("sort") if values.get("sort") in figures.SORT_KEYS else "handled"
    descending = values.get("desc") == "1" if values.get("sort") in figures.SORT_KEYS else True
    rows = figures.sort_rows(figures.staff_figures(request.user, query), sort, descending)
    table = [[str(label) for _key, label in EXPORT_COLUMNS]]
    table += [[_export_value(r, key) for key, _label in EXPORT_COLUMNS] for r in rows]
    response = HttpResponse(rows_to_xlsx(table, title=_("员工业绩")), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="staff-figures-{query.start:%Y%m%d}-{query.end:%Y%m%d}.xlsx"'
    )
    return response


@console_view(Perm.REVIEW_STAFF)
def ranking_list(request):
    form = RankingDraftForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            sheet = services.ranking_draft(
                actor=request.user, project=form.cleaned_data["project"], quarter=form.cleaned_data["quarter"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"project_id": "project"})
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("排名表已生成（草稿）"))
            return redirect("evaluation:ranking_detail", pk=sheet.pk)
    sheets = RankingSheet.objects.visible_to(request.user).select_related("project", "published_by")
    return render(
        request,
        "evaluation/ranking_list.html",
        {"sheets": sheets.order_by("-quarter", "project__name"), "form": style_form(form)},
        status=422 if form.is_bound and form.errors else 200,
    )


def _sheet(request, pk):
    return visible_or_404(
        RankingSheet.objects.select_related("project", "published_by", "drafted_by"), pk, request.user
    )


@console_view(Perm.REVIEW_STAFF)
def ranking_detail(request, pk):
    sheet = _sheet(request, pk)
    rows = RankingRow.objects.filter(sheet=sheet).select_related("staff").order_by("rank")
    me = scope_for(request.user).staff_id
    return render(
        request,
        "evaluation/ranking_detail.html",
        {
            "sheet": sheet,
            "rows": rows,
            "me": me,
            "on_sheet": any(r.staff_id == me for r in rows),
            "draft": sheet.status == SheetStatus.DRAFT,
        },
    )


@console_view(Perm.REVIEW_STAFF)
@require_POST
def ranking_publish(request, pk):
    sheet = _sheet(request, pk)
    try:
        services.ranking_publish(actor=request.user, sheet=sheet, note=request.POST.get("note", ""))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("排名表已发布"))
    return redirect("evaluation:ranking_detail", pk=sheet.pk)


@console_view(Perm.REVIEW_STAFF)
@require_POST
def ranking_remark(request, pk, row_pk):
    sheet = _sheet(request, pk)
    row = visible_or_404(RankingRow.objects.filter(sheet=sheet).select_related("staff"), row_pk, request.user)
    error = ""
    try:
        row = services.ranking_remark(actor=request.user, row=row, remark=request.POST.get("remark", ""))
    except ValidationError as exc:
        error = next(iter(_errors(exc).values()))
    except Conflict as exc:
        error = exc.message
    if getattr(request, "htmx", False):
        row = RankingRow.objects.select_related("staff").get(pk=row.pk)
        context = {
            "r": row,
            "sheet": sheet,
            "draft": sheet.status == SheetStatus.DRAFT,
            "me": scope_for(request.user).staff_id,
            "error": error,
            "saved": not error,
        }
        return render(request, "evaluation/_ranking_row.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("evaluation:ranking_detail", pk=sheet.pk)


@console_view(Perm.VIEW_STAFF)
def award_list(request):
    can_award = user_can(request.user, Perm.REVIEW_STAFF)
    form = AwardForm(request.POST or None, user=request.user) if can_award else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        saved = save_via_service(
            request,
            form,
            lambda data: services.award_create(actor=request.user, data=form.service_data()),
            field_map={"project_id": "project", "staff_id": "staff"},
        )
        if saved is not None:
            messages.success(request, _("已评选"))
            return redirect("evaluation:award_list")
    awards = StaffAward.objects.visible_to(request.user).select_related("project", "staff")
    return render(
        request,
        "evaluation/award_list.html",
        {
            "awards": awards.order_by("-period", "project__name", "kind"),
            "form": style_form(form) if form else None,
        },
        status=422 if form is not None and form.is_bound and form.errors else 200,
    )


@console_view(Perm.REVIEW_STAFF)
@require_POST
def award_delete(request, pk):
    award = visible_or_404(StaffAward.objects, pk, request.user)
    services.award_delete(actor=request.user, award=award)
    messages.success(request, _("已撤销"))
    return redirect("evaluation:award_list")


@console_view(Perm.VIEW_STAFF)
def training_history(request, pk):
    """A person's training history, newest first, with the total hours; reviewers add records."""
    member = visible_or_404(StaffMember.objects, pk, request.user)
    can_add = user_can(request.user, Perm.REVIEW_STAFF)
    form = TrainingForm(request.POST or None) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        saved = save_via_service(
            request,
            form,
            lambda data: services.training_create(actor=request.user, data={**data, "staff_id": member.pk}),
        )
        if saved is not None:
            messages.success(request, _("培训记录已添加"))
            return redirect("evaluation:training_history", pk=member.pk)
    records = TrainingRecord.objects.visible_to(request.user).filter(staff=member)
    return render(
        request,
        "evaluation/training_history.html",
        {
            "member": member,
            "records": records,
            "total_hours": records.aggregate(total=Sum("hours"))["total"] or Decimal("0.00"),
            "form": style_form(form) if form else None,
        },
        status=422 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
def portal_stars(request):
    """Our service stars (服务之星 …), as seed 001 has them posted in the estate: name and citation."""
    awards = (
        StaffAward.objects.visible_to(request.user)
        .select_related("project", "staff")
        .order_by("-period", "project__name", "kind")[:30]
    )
    return render(request, "evaluation/portal_stars.html", {"awards": awards})
