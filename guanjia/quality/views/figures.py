"""Quality figures (with the xlsx export) and a project's quality page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.estates.models import Project
from guanjia.quality import exporting, selectors
from guanjia.quality.choices import CaStatus, NcStatus
from guanjia.quality.models import Audit, CorrectiveAction, NonConformance
from guanjia.web.helpers import console_view


def _figure_range(request):
    return selectors.figure_range(request.GET.get("from"), request.GET.get("to"))


@console_view(Perm.VIEW_QUALITY)
def figures(request):
    try:
        period = _figure_range(request)
    except ValidationError as exc:
        errors = {k: v[0] for k, v in exc.message_dict.items()}
        return render(
            request,
            "quality/figures.html",
            {"errors": errors, "values": request.GET, "invalid": True},
            status=422,
        )
    data = selectors.figures(request.user, period)
    data["chart_data"] = {
        "periods": data["months"],
        "charts": [{"id": "chart-scores", "series": data["series"]}],
    }
    data["values"] = period.as_query()
    data["errors"] = {}
    data["export_query"] = urlencode(period.as_query())
    data["score_hint"] = selectors.score_hint()
    return render(request, "quality/figures.html", data)


@console_view(Perm.VIEW_QUALITY)
def figures_export(request):
    try:
        period = _figure_range(request)
    except ValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        return HttpResponse(f"{field}: {errors[0]}", status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        exporting.figures_xlsx(selectors.figures(request.user, period)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="quality-figures-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"'
    )
    return response


@console_view(Perm.VIEW_QUALITY)
def project_page(request, pk):
    scope = scope_for(request.user)
    project = Project.objects.filter(pk=pk, company_id=scope.company_id).first()
    if project is None or not (scope.is_hq or project.pk in scope.project_ids):
        raise Http404
    audits = (
        Audit.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("template", "auditor")[:10]
    )
    open_actions = (
        CorrectiveAction.objects.visible_to(request.user)
        .filter(project=project)
        .exclude(status=CaStatus.CLOSED)
        .select_related("owner", "nonconformance__item")
    )
    open_ncs = NonConformance.objects.visible_to(request.user).filter(project=project, status=NcStatus.OPEN)
    return render(
        request,
        "quality/project_page.html",
        {
            "project": project,
            "audits": audits,
            "open_actions": open_actions,
            "open_ncs": open_ncs.select_related("item"),
            "trend": selectors.project_trend(request.user, project.pk),
            "now": timezone.now(),
            "can_audit": user_can(request.user, Perm.AUDIT),
        },
    )
