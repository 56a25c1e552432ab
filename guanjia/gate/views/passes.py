"""The guard's phone page (scan a pass, check a plate), walk-ins and the gate log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotFound
from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.gate import selectors, services
from guanjia.gate.choices import GateLogKind
from guanjia.gate.forms import WalkInForm
from guanjia.gate.models import Gate, VisitorPass
from guanjia.gate.views.common import _filters, _gate, _list, _t, _unit
from guanjia.web.helpers import add_service_errors, console_view, render_form
from guanjia.web.widgets import DateInput

# The guard's page ------------------------------------------------------------------------------


@console_view(Perm.GATE_DUTY)
def guard(request):
    gates, gate = _gate(request)
    token, plate = request.GET.get("token", "").strip(), request.GET.get("plate", "").strip()
    context = {"title": _("门岗值守"), "gates": gates, "gate": gate, "token": token, "plate": plate}
    context["today"] = timezone.localdate()
    if token:
        try:
            found = services.pass_by_token(request.user, token)
        except NotFound as exc:
            context["scan_error"] = exc.message
        else:
            state = found.state()
            context.update(
                {
                    "pass": found,
                    "token": found.token,
                    "state": state,
                    "state_label": found.state_label(),
                    "refusal": services.passes.refusal(found, state),
                    "pass_black": services.blacklisted(found.project_id, found.plate),
                }
            )
    if plate and gate is not None:
        try:
            context["facts"] = selectors.plate_facts(request.user, gate.project_id, plate)
        except ValidationError as exc:
            context["plate_error"] = " ".join(exc.messages)
    return render(request, "gate/guard.html", context)


@require_POST
@console_view(Perm.GATE_DUTY)
def pass_act(request, pk, action):
    found = visible_or_404(VisitorPass.objects.all(), pk, request.user)
    _gates, gate = _gate(request)
    act = services.pass_check_in if action == "in" else services.pass_check_out
    try:
        act(actor=request.user, visitor_pass=found, gate_id=gate.pk if gate else None)
    except (Conflict, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
    else:
        messages.success(request, _("已登记入场") if action == "in" else _("已登记离场"))
    return redirect(f"{reverse('gate:guard')}?token={found.token}")


@console_view(Perm.GATE_DUTY)
def walk_in(request):
    form = WalkInForm(request.POST or None, user=request.user, initial={"gate": request.GET.get("gate")})
    if request.method == "POST" and form.is_valid():
        gate = form.cleaned_data["gate"]
        unit = form.resolve_unit(request.user, gate.project_id)
        if unit is not None:
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("gate", "unit")}
            try:
                made = services.walk_in_register(
                    actor=request.user, data={**data, "gate_id": gate.pk, "unit_id": unit.pk}
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"unit_id": "unit", "gate_id": "gate"})
            else:
                messages.success(request, _("已登记并放行：%(n)s") % {"n": made.visitor_name})
                return redirect(f"{reverse('gate:guard')}?token={made.token}")
    return render_form(request, form, title=_("无预约访客登记"), cancel_url=reverse("gate:guard"))


class LogFilterForm(forms.Form):
    gate_id = forms.ModelChoiceField(label=gettext_lazy("门岗"), queryset=Gate.objects.none(), required=False)
    day = forms.DateField(label=gettext_lazy("日期"), required=False, widget=DateInput())
    kind = forms.ChoiceField(label=gettext_lazy("事件"), required=False)
    plate = forms.CharField(label=gettext_lazy("车牌"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gate_id"].queryset = selectors.gates_of(user)
        self.fields["kind"].choices = [("", gettext_lazy("全部")), *GateLogKind.choices]


@console_view(Perm.GATE_DUTY)
def log(request):
    filters = _filters(request, "gate_log")
    form = LogFilterForm(request.GET or None, user=request.user)
    return _list(
        request,
        title=_("门岗记录"),
        rows=selectors.log_rows(request.user, filters),
        headers=[
            _("时间"),
            _("门岗"),
            _("事件"),
            _("访客"),
            _("房屋"),
            _("车牌号"),
            _("卡号"),
            _("值班人"),
            _("说明"),
        ],
        build=lambda e: {
            "cells": [
                _t(e.time),
                e.gate.name,
                e.get_kind_display(),
                e.visitor_pass.visitor_name if e.visitor_pass else "",
                _unit(e),
                e.plate,
                e.card_number,
                e.guard.get_full_name() if e.guard else _("设备"),
                e.note,
            ]
        },
        filter_form=form,
        export="gate_log",
        links=[{"url": reverse("gate:guard"), "label": _("门岗值守")}],
    )
