"""Audit plan pages and the quality settings (the recurrence window)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm, Role
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.quality import services
from guanjia.quality.choices import AuditKind, Frequency
from guanjia.quality.models import AuditPlan, ChecklistTemplate
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import add_service_errors, console_view, style_form


@console_view(Perm.VIEW_QUALITY)
def plan_list(request):
    plans = AuditPlan.objects.visible_to(request.user).select_related("project", "template", "auditor")
    return render(
        request,
        "quality/plan_list.html",
        {"plans": plans, "frequency_labels": dict(Frequency.choices)},
    )


def auditor_choices(user):
    """Who may audit: HQ quality and administrators, and the third-party auditors (the service checks
    that a third-party auditor is given the plan's project)."""
    return (
        StaffMember.objects.visible_to(user)
        .filter(roles__role__in=[Role.HQ_QUALITY, Role.COMPANY_ADMIN, Role.EXTERNAL_AUDITOR])
        .distinct()
        .prefetch_related("roles")
        .order_by("name")
    )


class PlanForm(forms.Form):
    project = forms.ModelChoiceField(label=gettext_lazy("项目"), queryset=Project.objects.none())
    template = forms.ModelChoiceField(
        label=gettext_lazy("核查表版本"), queryset=ChecklistTemplate.objects.none()
    )
    auditor = forms.ModelChoiceField(
        label=gettext_lazy("核查员（总部品质部或第三方）"), queryset=StaffMember.objects.none()
    )
    kind = forms.ChoiceField(label=gettext_lazy("方式"), choices=AuditKind.choices)
    frequencies = forms.MultipleChoiceField(
        label=gettext_lazy("生成哪些频率的核查"),
        choices=Frequency.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选 = 核查表的全部频率"),
        required=False,
    )
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("code")
        self.fields["template"].queryset = ChecklistTemplate.objects.visible_to(user).order_by(
            "name", "-version"
        )
        self.fields["auditor"].queryset = auditor_choices(user)
        self.fields["auditor"].label_from_instance = lambda m: (
            f"{m.name}（{_('第三方')}）"
            if any(r.role == Role.EXTERNAL_AUDITOR for r in m.roles.all())
            else m.name
        )


PLAN_FIELD_MAP = {"project_id": "project", "template_id": "template", "auditor_id": "auditor"}


def _plan_data(cleaned: dict) -> dict:
    return {
        "project_id": cleaned["project"].pk,
        "template_id": cleaned["template"].pk,
        "auditor_id": cleaned["auditor"].pk,
        "kind": cleaned["kind"],
        "frequencies": cleaned["frequencies"],
        "is_active": cleaned["is_active"],
    }


def _plan_form_page(request, form, title):
    style_form(form)
    return render(
        request,
        "web/form.html",
        {"form": form, "title": title, "cancel_url": reverse("quality:plan_list")},
        status=422 if form.errors else 200,
    )


@console_view(Perm.MANAGE_QUALITY)
def plan_new(request):
    form = PlanForm(request.POST or None, user=request.user, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_create(actor=request.user, data=_plan_data(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc, PLAN_FIELD_MAP)
        else:
            messages.success(request, _("已保存"))
            return redirect("quality:plan_list")
    return _plan_form_page(request, form, _("新建核查计划"))


@console_view(Perm.MANAGE_QUALITY)
def plan_edit(request, pk):
    plan = visible_or_404(AuditPlan.objects, pk, request.user)
    initial = {
        "project": plan.project_id,
        "template": plan.template_id,
        "auditor": plan.auditor_id,
        "kind": plan.kind,
        "frequencies": plan.frequencies,
        "is_active": plan.is_active,
    }
    form = PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=plan, data=_plan_data(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc, PLAN_FIELD_MAP)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存"))
            return redirect("quality:plan_list")
    return _plan_form_page(request, form, _("编辑核查计划"))


class SettingsForm(forms.Form):
    recurrence_days = forms.IntegerField(
        label=gettext_lazy("重复发生判定窗口(天)"),
        min_value=1,
        max_value=3650,
        help_text=gettext_lazy("同一项目同一条目在此天数内再次不合格，即标记为重复发生，须填写预防措施。"),
    )


@console_view(Perm.MANAGE_QUALITY)
def settings_page(request):
    form = SettingsForm(
        request.POST or None,
        initial={"recurrence_days": services.recurrence_days(request.user.company_id)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(actor=request.user, recurrence_days=form.cleaned_data["recurrence_days"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("quality:settings")
    style_form(form)
    return render(
        request,
        "web/form.html",
        {"form": form, "title": _("品质设置"), "cancel_url": reverse("quality:plan_list")},
        status=422 if form.errors else 200,
    )
