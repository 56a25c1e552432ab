"""What the console's gate pages share: the page size, cell formats, the guard's gate, the list page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from guanjia.dataio.exporting import parse_filters
from guanjia.gate import exports, selectors
from guanjia.web.helpers import style_form

PER_PAGE = 25


def _unit(row) -> str:
    return f"{row.unit.building.name}-{row.unit.number}" if row.unit_id else ""


def _t(value) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M") if value else ""


def _gate(request):
    """The gate this guard stands at: chosen on the page, remembered for the session."""
    gates = list(selectors.gates_of(request.user))
    wanted = request.POST.get("gate") or request.GET.get("gate") or request.session.get("gate_id")
    chosen = next((g for g in gates if str(g.pk) == str(wanted)), gates[0] if gates else None)
    if chosen is not None:
        request.session["gate_id"] = chosen.pk
    return gates, chosen


# Lists -----------------------------------------------------------------------------------------


def _list(request, *, title, rows, headers, build, filter_form=None, export=None, links=(), summary=""):
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    built = [build(row) for row in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "title": title,
        "headers": headers,
        "rows": built,
        "has_actions": any(r.get("actions") for r in built),
        "page": page,
        "query": params.urlencode(),
        "filter_form": style_form(filter_form) if filter_form is not None else None,
        "export_url": f"{reverse('dataio:export', args=[export, 'xlsx'])}?{params.urlencode()}"
        if export
        else "",
        "links": links,
        "summary": summary,
    }
    return render(request, "gate/list.html", context)


def _filters(request, name):
    try:
        return parse_filters(exports.BY_NAME[name], request.GET)
    except ValidationError:
        return parse_filters(exports.BY_NAME[name], {})
