"""The resident portal's gate pages (phone first): my visitor passes, inviting a visitor, one pass
with its QR code and share link, my vehicles and cards; and the visitor's own page (the shared link,
no login: what the token opens is the pass it names, nothing else)."""

from __future__ import annotations

from functools import wraps

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.gate import services
from guanjia.gate.forms import PassForm
from guanjia.gate.models import AccessCard, ParkingSpace, Vehicle, VisitorPass
from guanjia.web.helpers import add_service_errors, console_view, render_form


def resident_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


def _qr_context(request, visitor_pass: VisitorPass) -> dict:
    """The QR code carries the guard page's link with the token: a phone's scanner app opens the
    guard's page at this pass (the guard is logged in); a gate scanner reads the token from it."""
    scan_url = request.build_absolute_uri(f"{reverse('gate:guard')}?token={visitor_pass.token}")
    return {
        "pass": visitor_pass,
        "qr_svg": segno.make(scan_url, error="m").svg_inline(scale=6, border=2),
        "share_url": request.build_absolute_uri(reverse("gate:shared_pass", args=[visitor_pass.token])),
    }


@resident_page
def portal_passes(request):
    rows = VisitorPass.objects.visible_to(request.user).select_related("unit__building")[:50]
    return render(request, "gate/portal_passes.html", {"title": _("访客通行"), "rows": rows})


@resident_page
def portal_pass_new(request):
    form = PassForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.pass_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc, {"unit_id": "unit"})
        else:
            messages.success(request, _("通行证已生成，请分享给访客"))
            return redirect("gate:portal_pass", pk=made.pk)
    return render_form(request, form, title=_("邀请访客"), cancel_url=reverse("gate:portal_passes"))


@resident_page
def portal_pass(request, pk):
    found = visible_or_404(VisitorPass.objects.select_related("unit__building", "project"), pk, request.user)
    context = _qr_context(request, found)
    context.update(title=_("访客通行证"), can_revoke=found.revoked_at is None and found.checked_in_at is None)
    return render(request, "gate/portal_pass.html", context)


@resident_page
def portal_pass_revoke(request, pk):
    found = visible_or_404(VisitorPass.objects.all(), pk, request.user)
    if request.method == "POST":
        try:
            services.pass_revoke(actor=request.user, visitor_pass=found)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("通行证已作废"))
    return redirect("gate:portal_pass", pk=found.pk)


@resident_page
def portal_vehicles(request):
    user = request.user
    context = {
        "title": _("我的车辆与门禁卡"),
        "vehicles": Vehicle.objects.visible_to(user).filter(active=True).select_related("unit__building"),
        "spaces": ParkingSpace.objects.visible_to(user),
        "cards": AccessCard.objects.visible_to(user),
    }
    return render(request, "gate/portal_vehicles.html", context)


def shared_pass(request, token):
    """The visitor's page: the QR code to show at the gate. The token is the key; nothing else of
    the household is shown (the unit stays off this page)."""
    found = (
        VisitorPass.objects.select_related("project").filter(token=token).first()
        if 20 <= len(token) <= 43
        else None
    )
    if found is None:
        raise Http404(_("通行证不存在"))
    return render(request, "gate/shared_pass.html", _qr_context(request, found))
