"""Pages of costs: entering an invoice on an item's page, and the totals per type, item, project or
year (also as a spreadsheet)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.facilities import selectors, services, spreadsheet
from guanjia.facilities.cost_panels import cost_panels
from guanjia.facilities.forms import CostForm
from guanjia.facilities.models import Equipment
from guanjia.facilities.views.common import XLSX, _project_param
from guanjia.web.helpers import console_view


@require_POST
@console_view(Perm.CHANGE_FACILITIES)
def equipment_cost(request, pk):
    equipment = visible_or_404(Equipment.objects, pk, request.user)
    form = CostForm(request.POST)
    if form.is_valid():
        try:
            services.cost_create(actor=request.user, data={**form.cleaned_data, "equipment_id": equipment.pk})
            messages.success(request, _("已记录费用"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}: {v[0]}" for k, v in form.errors.items()))
    return redirect("facilities:equipment", pk=pk)


# Costs --------------------------------------------------------------------------------------------


@console_view(Perm.VIEW_FACILITIES)
def costs(request):
    by = request.GET.get("by") if request.GET.get("by") in selectors.COST_GROUPS else "type"
    year = request.GET.get("year")
    year = int(year) if year and year.isdigit() and 2000 <= int(year) <= 2100 else None
    project_id = _project_param(request)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            spreadsheet.costs_xlsx(request.user, year=year, project_id=project_id), content_type=XLSX
        )
        response["Content-Disposition"] = f'attachment; filename="equipment-costs-{year or "all"}.xlsx"'
        return response
    rows = selectors.cost_totals(request.user, by=by, year=year, project_id=project_id)
    return render(
        request,
        "facilities/costs.html",
        {
            "title": _("设备费用"),
            "rows": rows,
            "by": by,
            "year": year or "",
            "sums": selectors.cost_sum(rows),
            "project_id": project_id or "",
            "total": sum((r["total"] for r in rows), start=selectors.ZERO),
            # What apps above facilities add (stores: parts issued to tasks and requests).
            "cost_panels": cost_panels(request.user, year=year, project_id=project_id),
            "groups": [
                ("type", _("按类型")),
                ("equipment", _("按设备")),
                ("project", _("按项目")),
                ("year", _("按年度")),
            ],
        },
    )
