"""Board and figure pages. Thin: every number comes from ``boards.selectors``; the boards'
tables refresh themselves through htmx (the fragment alone is served to htmx requests)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.boards import exporting, figure_html, selectors, words
from guanjia.core.replica import replica_reads
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.web.helpers import console_view

REFRESH_SECONDS = 30


def _htmx(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


@console_view(Perm.VIEW_ESTATES)
def board_home(request):
    """看板: the HQ board for HQ roles, else the board of the user's first project."""
    if scope_for(request.user).is_hq:
        return redirect("board_hq")
    project_id = selectors.first_project_id(request.user)
    if project_id is None:
        raise PermissionDenied(_("您尚未分配项目"))
    return redirect("board_project", pk=project_id)


@console_view(Perm.VIEW_ESTATES)
@replica_reads
def project_board(request, pk: int):
    board = selectors.project_board(request.user, pk)
    ctx = {"board": board, "title": _("%(project)s 看板") % {"project": board["project"]["name"]}}
    if _htmx(request):
        return render(request, "boards/_project_board.html", ctx)
    return render(request, "boards/project_board.html", ctx)


@console_view(Perm.VIEW_ESTATES)
@replica_reads
def hq_board(request):
    board = selectors.hq_board(request.user)
    ctx = {"board": board, "title": _("总部24小时看板"), "refresh": REFRESH_SECONDS}
    if _htmx(request):
        return render(request, "boards/_hq_table.html", ctx)
    return render(request, "boards/hq_board.html", ctx)


def _figure_params(request):
    return selectors.figure_params(
        group_by=request.GET.get("group_by"),
        period=request.GET.get("period"),
        start=request.GET.get("from"),
        end=request.GET.get("to"),
    )


def _chart_data(data: dict) -> dict:
    """What the charts draw: per group, a series over the periods."""
    periods = sorted({r["period"] for r in data["rows"]})
    labels = sorted({r["label"] for r in data["rows"]})
    index = {(r["period"], r["label"]): r for r in data["rows"]}

    def series(value):
        return [{"name": label, "data": [value(index.get((p, label))) for p in periods]} for label in labels]

    def pct(v):
        return None if v is None else round(v * 100, 1)

    return {
        "periods": [p.isoformat() for p in periods],
        "charts": [
            {
                "id": "chart-complete-on-time",
                "title": _("完工及时率(%)"),
                "series": series(lambda r: pct(r["on_time"][2]["rate"]) if r else None),
            },
            {
                "id": "chart-follow-up",
                "title": _("回访率(%)"),
                "series": series(lambda r: pct(r["follow_up_rate"]) if r else None),
            },
            {
                "id": "chart-satisfaction",
                "title": _("回访满意度均分"),
                "series": series(lambda r: r["follow_up_score"]["mean"] if r else None),
            },
            {
                "id": "chart-complaints",
                "title": _("千户投诉率"),
                "series": series(lambda r: r["complaints_per_1000"] if r else None),
            },
        ],
    }


@console_view(Perm.VIEW_ESTATES)
@replica_reads
def figures(request):
    ctx = {
        "title": _("服务指标"),
        "groups": selectors.GROUPS,
        "periods": {k: v[1] for k, v in selectors.PERIODS.items()},
        "errors": {},
    }
    try:
        params = _figure_params(request)
    except ValidationError as exc:
        ctx["errors"] = {k: v[0] for k, v in exc.message_dict.items()}
        ctx["values"] = request.GET
        return render(request, "boards/figures.html", ctx, status=422)
    data = selectors.figures(request.user, params)
    query = "&".join(f"{k}={v}" for k, v in params.as_query().items())
    people_group = params.group_by in words.PEOPLE_GROUPS
    ctx.update(
        data=data,
        values=params.as_query(),
        group_label=selectors.GROUPS[params.group_by],
        chart_data=_chart_data(data),
        hints=words.HINTS,
        people_group=people_group,
        # Written in Python: through the template, these rows were nearly all of the page's time.
        table_rows=figure_html.table_rows(data["rows"], people_group=people_group),
        complaint_label=words.complaint_label(params.group_by),
        named_label=words.named_label(),
        export_url=f"{reverse('figures_export')}?{query}",
    )
    return render(request, "boards/figures.html", ctx)


@console_view(Perm.VIEW_ESTATES)
@replica_reads
def figures_export(request):
    try:
        params = _figure_params(request)
    except ValidationError as exc:
        first = next(iter(exc.message_dict.items()))
        return HttpResponse(
            f"{first[0]}: {first[1][0]}", status=422, content_type="text/plain; charset=utf-8"
        )
    data = selectors.figures(request.user, params)
    body = exporting.figures_xlsx(data, group_label=str(selectors.GROUPS[params.group_by]))
    name = f"guanjia-figures-{params.group_by}-{params.period}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(body, content_type=exporting.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
