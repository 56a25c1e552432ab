"""The console's vehicle pages: temporary vehicles, residents' vehicles, parking spaces, the blacklist."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.gate import selectors, services
from guanjia.gate.choices import SpaceKind
from guanjia.gate.forms import (
    BlacklistForm,
    RentForm,
    SpaceForm,
    TemporaryEnterForm,
    TemporaryExitForm,
    VehicleForm,
    owner_by_phone,
)
from guanjia.gate.models import BlacklistedPlate, ParkingSpace, TemporaryVisit
from guanjia.gate.views.common import _filters, _list, _t, _unit
from guanjia.web.helpers import add_service_errors, console_view, render_form
from guanjia.web.widgets import DateInput


class TemporaryFilterForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("日期"), required=False, widget=DateInput())
    inside = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("true", gettext_lazy("在场")),
            ("false", gettext_lazy("已出场")),
        ],
    )


@console_view(Perm.GATE_DUTY)
def temporary(request):
    filters = _filters(request, "temporary_vehicles")
    rows = selectors.temporary_rows(request.user, filters)
    taken = sum((v.paid or 0) for v in rows.filter(paid__isnull=False))
    return _list(
        request,
        title=_("临时车进出"),
        rows=rows,
        headers=[
            _("车牌号"),
            _("入场"),
            _("入场门岗"),
            _("出场"),
            _("应收"),
            _("实收"),
            _("付款方式"),
            _("收费员"),
        ],
        build=lambda v: {
            "cells": [
                v.plate,
                _t(v.entered_at),
                v.entry_gate.name,
                _t(v.left_at),
                v.fee if v.fee is not None else services.fee_now(v),
                v.paid,
                v.get_pay_method_display(),
                v.cashier.get_full_name() if v.cashier else "",
            ],
            "actions": []
            if v.paid is not None
            else [{"url": reverse("gate:temporary_exit", args=[v.pk]), "label": _("出场收费"), "get": True}],
        },
        filter_form=TemporaryFilterForm(request.GET or None),
        export="temporary_vehicles",
        links=[{"url": reverse("gate:temporary_enter"), "label": _("临时车入场")}],
        summary=_("所列记录实收合计 %(t)s 元（收费员为出场时值班的门岗人员）") % {"t": taken},
    )


@console_view(Perm.GATE_DUTY)
def temporary_enter(request):
    data = request.POST or None
    form = TemporaryEnterForm(data, user=request.user, initial={"gate": request.session.get("gate_id")})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.temporary_enter(
                actor=request.user,
                data={"gate_id": form.cleaned_data["gate"].pk, "plate": form.cleaned_data["plate"]},
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"gate_id": "gate"})
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            black = services.blacklisted(visit.project_id, visit.plate)
            if black:
                messages.warning(request, _("黑名单车辆：%(r)s") % {"r": black.reason})
            messages.success(request, _("临时车 %(p)s 已入场") % {"p": visit.plate})
            return redirect(f"{reverse('gate:guard')}?plate={visit.plate}")
    return render_form(request, form, title=_("临时车入场"), cancel_url=reverse("gate:temporary"))


@console_view(Perm.GATE_DUTY)
def temporary_exit(request, pk):
    visit = visible_or_404(TemporaryVisit.objects.all(), pk, request.user)
    initial = {
        "gate": request.GET.get("gate") or request.session.get("gate_id"),
        "paid": services.fee_now(visit),
    }
    form = TemporaryExitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {
            "gate_id": form.cleaned_data["gate"].pk,
            "pay_method": form.cleaned_data["pay_method"],
            "paid": form.cleaned_data.get("paid"),
        }
        try:
            visit = services.temporary_exit(actor=request.user, visit=visit, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc, {"gate_id": "gate"})
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(p)s 已出场，实收 %(f)s 元") % {"p": visit.plate, "f": visit.paid})
            return redirect("gate:temporary")
    title = _("出场收费：%(p)s（当前应收 %(f)s 元）") % {"p": visit.plate, "f": services.fee_now(visit)}
    return render_form(request, form, title=title, cancel_url=reverse("gate:temporary"))


@console_view(Perm.GATE_DUTY)
def vehicles(request):
    filters = _filters(request, "vehicles")
    manage = user_can(request.user, Perm.MANAGE_GATE)
    return _list(
        request,
        title=_("车辆登记"),
        rows=selectors.vehicle_rows(request.user, filters),
        headers=[_("项目"), _("车牌号"), _("房屋"), _("车主"), _("品牌型号"), _("颜色"), _("备注")],
        build=lambda v: {
            "cells": [
                v.project.name,
                v.plate,
                _unit(v),
                v.owner.name if v.owner else "",
                v.model_name,
                v.color,
                v.note,
            ],
            "actions": [
                {
                    "url": reverse("gate:vehicle_delete", args=[v.pk]),
                    "label": _("注销"),
                    "style": "btn-outline-danger",
                }
            ]
            if manage
            else [],
        },
        export="vehicles",
        links=[
            {"url": reverse("gate:vehicle_new"), "label": _("登记车辆")},
            {"url": reverse("gate:spaces"), "label": _("车位")},
            {"url": reverse("gate:blacklist"), "label": _("黑名单")},
        ],
    )


@console_view(Perm.MANAGE_GATE)
def vehicle_new(request):
    form = VehicleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        unit = form.resolve_unit(request.user, form.cleaned_data["project"].pk)
        if unit is not None:
            data = {k: form.cleaned_data[k] for k in ("plate", "model_name", "color", "note")}
            owner = owner_by_phone(request.user, unit, form.cleaned_data.get("owner_phone"))
            if form.cleaned_data.get("owner_phone") and owner is None:
                form.add_error("owner_phone", _("该房屋没有这个手机号的住户"))
            else:
                try:
                    services.vehicle_create(
                        actor=request.user,
                        data={**data, "unit_id": unit.pk, "owner_id": owner.pk if owner else None},
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc, {"unit_id": "unit", "owner_id": "owner_phone"})
                else:
                    messages.success(request, _("车辆已登记"))
                    return redirect("gate:vehicles")
    return render_form(request, form, title=_("登记车辆"), cancel_url=reverse("gate:vehicles"))


@require_POST
@console_view(Perm.MANAGE_GATE)
def vehicle_delete(request, pk):
    from guanjia.gate.models import Vehicle

    services.vehicle_delete(
        actor=request.user, vehicle=visible_or_404(Vehicle.objects.all(), pk, request.user)
    )
    messages.success(request, _("车辆已注销"))
    return redirect("gate:vehicles")


@console_view(Perm.GATE_DUTY)
def spaces(request):
    filters = _filters(request, "vehicles")  # project only
    rows = selectors.space_rows(request.user, selectors.ParkingSpaceFilter(project_id=filters.project_id))

    def build(s):
        actions = []
        if s.kind == SpaceKind.TEMPORARY:
            actions.append({"url": reverse("gate:space_rent", args=[s.pk]), "label": _("出租"), "get": True})
        elif s.kind == SpaceKind.RENTED:
            actions.append(
                {
                    "url": reverse("gate:space_release", args=[s.pk]),
                    "label": _("退租"),
                    "style": "btn-outline-danger",
                }
            )
        cells = [s.project.name, s.number, s.get_kind_display(), _unit(s), s.monthly_rent, s.rented_from]
        return {"cells": cells, "actions": actions}

    return _list(
        request,
        title=_("车位"),
        rows=rows,
        headers=[_("项目"), _("车位号"), _("类型"), _("房屋"), _("月租金(元)"), _("租期起")],
        build=build,
        links=[{"url": reverse("gate:space_new"), "label": _("新增车位")}],
    )


@console_view(Perm.MANAGE_GATE)
def space_new(request):
    form = SpaceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        project = form.cleaned_data["project"]
        data = {
            "project_id": project.pk,
            "number": form.cleaned_data["number"],
            "kind": form.cleaned_data["kind"],
        }
        unit = None
        if data["kind"] == SpaceKind.OWNED:
            unit = form.resolve_unit(request.user, project.pk)
        if data["kind"] != SpaceKind.OWNED or unit is not None:
            try:
                services.space_create(actor=request.user, data={**data, "unit_id": unit.pk if unit else None})
            except ValidationError as exc:
                add_service_errors(form, exc, {"unit_id": "unit", "project_id": "project"})
            else:
                messages.success(request, _("车位已保存"))
                return redirect("gate:spaces")
    return render_form(request, form, title=_("新增车位"), cancel_url=reverse("gate:spaces"))


@console_view(Perm.MANAGE_GATE)
def space_rent(request, pk):
    space = visible_or_404(ParkingSpace.objects.all(), pk, request.user)
    form = RentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = form.resolve_unit(request.user, space.project_id)
        if unit is not None:
            data = {**form.cleaned_data, "unit_id": unit.pk}
            data.pop("unit")
            try:
                services.space_rent(actor=request.user, space=space, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc, {"unit_id": "unit"})
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("车位已出租，月租金将随该房屋的月度账单收取"))
                return redirect("gate:spaces")
    return render_form(
        request, form, title=_("出租车位 %(n)s") % {"n": space.number}, cancel_url=reverse("gate:spaces")
    )


@require_POST
@console_view(Perm.MANAGE_GATE)
def space_release(request, pk):
    space = visible_or_404(ParkingSpace.objects.all(), pk, request.user)
    try:
        services.space_release(actor=request.user, space=space)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("车位已退租"))
    return redirect("gate:spaces")


@console_view(Perm.GATE_DUTY)
def blacklist(request):
    manage = user_can(request.user, Perm.MANAGE_GATE)
    return _list(
        request,
        title=_("车辆黑名单"),
        rows=selectors.blacklist_rows(request.user),
        headers=[_("项目"), _("车牌号"), _("原因"), _("登记人"), _("登记时间")],
        build=lambda b: {
            "cells": [b.project.name, b.plate, b.reason, b.added_by.get_full_name(), _t(b.created_at)],
            "actions": [
                {
                    "url": reverse("gate:blacklist_remove", args=[b.pk]),
                    "label": _("移出"),
                    "style": "btn-outline-danger",
                }
            ]
            if manage
            else [],
        },
        links=[{"url": reverse("gate:blacklist_new"), "label": _("加入黑名单")}],
    )


@console_view(Perm.GATE_DUTY)
def blacklist_new(request):
    form = BlacklistForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "project_id": form.cleaned_data["project"].pk}
        data.pop("project")
        try:
            services.blacklist_add(actor=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc, {"project_id": "project"})
        else:
            messages.success(request, _("已加入黑名单"))
            return redirect("gate:blacklist")
    return render_form(request, form, title=_("加入黑名单"), cancel_url=reverse("gate:blacklist"))


@require_POST
@console_view(Perm.MANAGE_GATE)
def blacklist_remove(request, pk):
    entry = visible_or_404(BlacklistedPlate.objects.all(), pk, request.user)
    try:
        services.blacklist_remove(actor=request.user, entry=entry)
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect("gate:blacklist")
