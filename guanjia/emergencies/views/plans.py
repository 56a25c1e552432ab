"""Plan pages: the company's plans, one plan at any of its versions, editing (a new version)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.emergencies import services
from guanjia.emergencies.choices import Position
from guanjia.emergencies.forms import PlanForm
from guanjia.emergencies.models import EmergencyPlan
from guanjia.web.helpers import console_view, render_form, save_via_service

LINE_FIELDS = ("general_procedure", "night_procedure", "aftermath", "documents")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@console_view(Perm.VIEW_EMERGENCIES)
def plan_list(request):
    plans = list(EmergencyPlan.objects.visible_to(request.user))
    if not plans and user_can(request.user, Perm.CHANGE_EMERGENCIES):
        services.plans_ensure_defaults(company=request.user.company, actor=request.user)
        plans = list(EmergencyPlan.objects.visible_to(request.user))
    return render(request, "emergencies/plan_list.html", {"plans": plans, "title": _("应急预案")})


@console_view(Perm.VIEW_EMERGENCIES)
def plan_detail(request, pk):
    plan = visible_or_404(EmergencyPlan.objects.all(), pk, request.user)
    versions = list(plan.versions.order_by("-number").values("number", "created_at", "name"))
    shown = (
        plan.versions.filter(number=request.GET.get("v")).first()
        if request.GET.get("v", "").isdigit()
        else None
    )
    content = shown.content if shown else plan.content
    duties = [
        {"position": p, "label": Position(p).label, "items": content.get("duties", {}).get(p, [])}
        for p in Position.values
        if content.get("duties", {}).get(p)
    ]
    levels = [
        {
            **lv,
            "decides_label": Position(lv["decides"]).label
            if lv.get("decides") in Position.values
            else _("公司总经理"),
            "responder_labels": [Position(r).label for r in lv.get("responders", []) if r in Position.values],
        }
        for lv in content.get("levels", [])
    ]
    return render(
        request,
        "emergencies/plan_detail.html",
        {
            "plan": plan,
            "content": content,
            "shown": shown,
            "versions": versions,
            "duties": duties,
            "levels": levels,
            "title": plan.name,
            "can_change": user_can(request.user, Perm.CHANGE_EMERGENCIES),
        },
    )


@console_view(Perm.CHANGE_EMERGENCIES)
def plan_edit(request, pk):
    plan = visible_or_404(EmergencyPlan.objects.all(), pk, request.user)
    content = plan.content
    positions = [p for p in Position.values if p in content.get("duties", {})]
    positions += [
        p for p in request.POST.getlist("add_position") if p in Position.values and p not in positions
    ]
    initial = {
        "name": plan.name,
        "is_active": plan.is_active,
        "purpose": content.get("purpose", ""),
        "scope": content.get("scope", ""),
        **PlanForm.level_initial(content.get("levels", [])),
        **{f: "\n".join(content.get(f, [])) for f in LINE_FIELDS},
        **{f"duty_{p}": "\n".join(content.get("duties", {}).get(p, [])) for p in positions},
    }
    form = PlanForm(request.POST or None, initial=initial, positions=positions)

    def save(data):
        new = dict(content)
        new.update(purpose=data["purpose"], scope=data["scope"], levels=form.levels())
        for f in LINE_FIELDS:
            new[f] = _lines(data[f])
        new["duties"] = {
            p: _lines(data.get(f"duty_{p}", "")) for p in positions if _lines(data.get(f"duty_{p}", ""))
        }
        return services.plan_update(
            actor=request.user,
            plan=plan,
            data={"name": data["name"], "is_active": data["is_active"], "content": new},
        )

    if request.method == "POST":
        saved = save_via_service(request, form, save)
        if saved is not None:
            messages.success(request, _("预案已保存为第 %(v)s 版") % {"v": saved.version})
            return redirect("emergencies:plan_detail", pk=plan.pk)
    return render_form(
        request,
        form,
        title=_("修改预案：%(name)s") % {"name": plan.name},
        cancel_url=f"/emergencies/plans/{plan.pk}/",
    )
