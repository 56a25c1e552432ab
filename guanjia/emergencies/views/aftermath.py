"""Aftermath pages: the follow-up call list of an incident, and the residents' page of official
statements."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.emergencies.choices import CallResult
from guanjia.emergencies.forms import CALL_RESULTS
from guanjia.emergencies.models import FollowUpCall, Statement
from guanjia.emergencies.views.incidents import _incident
from guanjia.estates.models import unit_order
from guanjia.web.helpers import console_view


@console_view(Perm.VIEW_EMERGENCIES)
def incident_calls(request, pk):
    """The aftermath call list: every resident of every affected unit, with the result of the call."""
    incident = _incident(request, pk)
    qs = (
        FollowUpCall.objects.visible_to(request.user)
        .filter(incident=incident)
        .select_related("unit__building", "resident", "called_by")
        .order_by("result", *unit_order("unit__"))
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
