"""The console's access cards and gates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.gate import selectors, services
from guanjia.gate.choices import HolderKind
from guanjia.gate.forms import CardForm, GateForm
from guanjia.gate.models import AccessCard, Gate
from guanjia.gate.views.common import _filters, _list, _unit
from guanjia.web.helpers import add_service_errors, console_view, render_form, style_form


class CardFilterForm(forms.Form):
    holder_kind = forms.ChoiceField(label=gettext_lazy("持卡人类型"), required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("active", gettext_lazy("有效")),
            ("revoked", gettext_lazy("已注销")),
            ("to_deactivate", gettext_lazy("待停用")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder_kind"].choices = [("", gettext_lazy("全部")), *HolderKind.choices]


@console_view(Perm.GATE_DUTY)
def cards(request):
    filters = _filters(request, "access_cards")
    manage = user_can(request.user, Perm.MANAGE_GATE)

    def build(c):
        actions = []
        if c.revoked_at is None and manage:
            actions.append(
                {
                    "url": reverse("gate:card_revoke", args=[c.pk]),
                    "label": _("注销"),
                    "style": "btn-outline-danger",
                }
            )
        elif c.revoked_at is not None and c.deactivated_at is None:
            actions.append(
                {
                    "url": reverse("gate:card_done", args=[c.pk]),
                    "label": _("已在门禁系统停用"),
                    "testid": "card-done",
                }
            )
        state = (
            _("有效") if c.revoked_at is None else (_("待停用") if c.deactivated_at is None else _("已停用"))
        )
        cells = [
            c.project.name,
            c.number,
            c.get_holder_kind_display(),
            c.holder_name,
            _unit(c),
            c.valid_until,
            state,
            c.get_revoke_reason_display(),
        ]
        return {"cells": cells, "actions": actions}

    return _list(
        request,
        title=_("门禁卡"),
        rows=selectors.card_rows(request.user, filters),
        headers=[
            _("项目"),
            _("卡号"),
            _("类型"),
            _("持卡人"),
            _("房屋"),
            _("有效期至"),
            _("状态"),
            _("注销原因"),
        ],
        build=build,
        filter_form=CardFilterForm(request.GET or None),
        export="access_cards",
        links=[
            {
                "url": f"{reverse('gate:cards')}?state=to_deactivate",
                "label": _("待停用卡"),
                "testid": "cards-todo",
            },
            {"url": reverse("gate:card_new"), "label": _("发卡")},
            {"url": reverse("gate:gates"), "label": _("门岗设置"), "style": "btn-outline-secondary"},
        ],
    )


@console_view(Perm.MANAGE_GATE)
def card_new(request):
    form = CardForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if data is not None:
            try:
                services.card_issue(actor=request.user, data=data)
            except ValidationError as exc:
                add_service_errors(
                    form,
                    exc,
                    {
                        "unit_id": "unit",
                        "resident_id": "resident_phone",
                        "staff_id": "staff",
                        "worker_pass_id": "worker_pass_no",
                        "project_id": "project",
                    },
                )
            else:
                messages.success(request, _("门禁卡已发放"))
                return redirect("gate:cards")
    return render_form(request, form, title=_("发放门禁卡"), cancel_url=reverse("gate:cards"))


@require_POST
@console_view(Perm.GATE_DUTY)
def card_act(request, pk, action):
    card = visible_or_404(AccessCard.objects.all(), pk, request.user)
    try:
        if action == "revoke":
            services.card_revoke(actor=request.user, card=card)
        else:
            services.card_deactivated(actor=request.user, card=card)
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect(request.META.get("HTTP_REFERER") or reverse("gate:cards"))


@console_view(Perm.MANAGE_GATE)
def gates(request):
    form = GateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {
            "project_id": form.cleaned_data["project"].pk,
            "name": form.cleaned_data["name"],
            "kind": form.cleaned_data["kind"],
        }
        try:
            services.gate_create(actor=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc, {"project_id": "project"})
        else:
            messages.success(request, _("门岗已添加"))
            return redirect("gate:gates")
    rows = Gate.objects.visible_to(request.user).select_related("project").order_by("project__name", "name")
    return render(
        request, "gate/gates.html", {"title": _("门岗设置"), "rows": rows, "form": style_form(form)}
    )


@require_POST
@console_view(Perm.MANAGE_GATE)
def gate_token(request, pk):
    gate = visible_or_404(Gate.objects.all(), pk, request.user)
    raw = services.gate_issue_device_token(actor=request.user, gate=gate)
    messages.warning(
        request,
        _("%(g)s 的设备令牌（只显示这一次，请配置到门禁/道闸系统）：%(t)s") % {"g": gate.name, "t": raw},
    )
    return redirect("gate:gates")
