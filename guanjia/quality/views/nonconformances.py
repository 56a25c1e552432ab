"""Non-conformance pages: the list, and one page per non-conformance where its corrective action
is assigned, submitted, verified, its preventive action written or a repair request raised."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.quality import services
from guanjia.quality.choices import CaStatus, NcStatus
from guanjia.quality.models import CorrectiveAction, NonConformance, QualityPhoto
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import add_service_errors, console_view, style_form
from guanjia.web.widgets import DateInput


@console_view(Perm.VIEW_QUALITY)
def nc_list(request):
    ncs = NonConformance.objects.visible_to(request.user).select_related("project", "item", "action__owner")
    status = request.GET.get("status", "")
    if status in NcStatus.values:
        ncs = ncs.filter(status=status)
    if request.GET.get("overdue"):
        ncs = ncs.filter(
            action__status__in=[CaStatus.ASSIGNED, CaStatus.REJECTED], action__deadline__lt=timezone.now()
        )
    if request.GET.get("mine"):
        ncs = ncs.filter(action__owner_id=scope_for(request.user).staff_id or -1)
    return render(
        request,
        "quality/nc_list.html",
        {"ncs": ncs[:200], "statuses": NcStatus.choices, "status": status, "now": timezone.now()},
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=gettext_lazy("责任人"), queryset=StaffMember.objects.none())
    deadline = forms.DateField(label=gettext_lazy("整改期限"), widget=DateInput())
    instruction = forms.CharField(
        label=gettext_lazy("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmitForm(forms.Form):
    done_note = forms.CharField(label=gettext_lazy("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(
        label=gettext_lazy("根本原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    preventive_action = forms.CharField(
        label=gettext_lazy("预防措施"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.ImageField(label=gettext_lazy("整改照片"), required=False)


class VerifyForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退回原因（验证不通过时必填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TicketForm(forms.Form):
    location = forms.CharField(label=gettext_lazy("位置"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("问题描述"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PreventForm(forms.Form):
    root_cause = forms.CharField(label=gettext_lazy("根本原因"), widget=forms.Textarea(attrs={"rows": 2}))
    preventive_action = forms.CharField(
        label=gettext_lazy("预防措施"), widget=forms.Textarea(attrs={"rows": 2})
    )


def _nc_page(request, nc, forms_by_name=None, status=200):
    forms_by_name = forms_by_name or {}
    action = (
        CorrectiveAction.objects.visible_to(request.user)
        .filter(nonconformance=nc)
        .select_related("owner")
        .first()
    )
    may_manage = services.may_manage_project(request.user, nc.project_id)
    assign_form = forms_by_name.get("assign") or AssignForm()
    assign_form.fields["owner"].queryset = StaffMember.objects.visible_to(request.user).filter(
        projects=nc.project_id
    )
    allowed = services.ca_allowed_actions(action, request.user) if action else []
    context = {
        "nc": nc,
        "action": action,
        "allowed": allowed,
        "evidence_photos": list(QualityPhoto.objects.visible_to(request.user).filter(result_id=nc.result_id)),
        "action_photos": list(QualityPhoto.objects.visible_to(request.user).filter(action=action))
        if action
        else [],
        "assign_form": style_form(assign_form) if may_manage and action is None else None,
        "submit_form": style_form(forms_by_name.get("submit") or SubmitForm())
        if "submit" in allowed
        else None,
        "verify_form": style_form(forms_by_name.get("verify") or VerifyForm())
        if "accept" in allowed
        else None,
        "ticket_form": style_form(forms_by_name.get("ticket") or TicketForm())
        if nc.item.physical
        and nc.ticket_id is None
        and (may_manage or services.user_can_receive(request.user))
        else None,
        "prevent_form": style_form(forms_by_name.get("prevent") or PreventForm())
        if nc.needs_prevention
        and (may_manage or (action and scope_for(request.user).staff_id == action.owner_id))
        else None,
        "now": timezone.now(),
    }
    return render(request, "quality/nc_detail.html", context, status=status)


def _nc(request, pk):
    return visible_or_404(
        NonConformance.objects.select_related(
            "project", "item__section", "audit__auditor", "result", "ticket"
        ),
        pk,
        request.user,
    )


@console_view(Perm.VIEW_QUALITY)
def nc_detail(request, pk):
    return _nc_page(request, _nc(request, pk))


@require_POST
@console_view(Perm.VIEW_QUALITY)
def nc_act(request, pk, action):
    """One form per step: assign, submit, accept, reject, ticket, prevent."""
    nc = _nc(request, pk)
    form_classes = {
        "assign": AssignForm,
        "submit": SubmitForm,
        "accept": VerifyForm,
        "reject": VerifyForm,
        "ticket": TicketForm,
        "prevent": PreventForm,
    }
    if action not in form_classes:
        raise PermissionDenied
    form = form_classes[action](request.POST, request.FILES)
    if action == "assign":
        form.fields["owner"].queryset = StaffMember.objects.visible_to(request.user).filter(
            projects=nc.project_id
        )
    key = {"accept": "verify", "reject": "verify"}.get(action, action)
    if not form.is_valid():
        return _nc_page(request, nc, {key: form}, status=422)
    data = form.cleaned_data
    ca = CorrectiveAction.objects.visible_to(request.user).filter(nonconformance=nc).first()
    try:
        if action == "assign":
            deadline = datetime.datetime.combine(
                data["deadline"], datetime.time(23, 59), tzinfo=timezone.get_current_timezone()
            )
            services.nc_assign(
                actor=request.user,
                nc=nc,
                data={"owner_id": data["owner"].pk, "deadline": deadline, "instruction": data["instruction"]},
            )
        elif action == "ticket":
            services.nc_raise_ticket(actor=request.user, nc=nc, data=data)
        elif action == "prevent":
            services.nc_prevent(actor=request.user, nc=nc, data=data)
        else:
            if ca is None:
                raise Conflict(_("尚未安排整改"))
            if action == "submit" and data.get("photo"):
                services.ca_add_photo(actor=request.user, action=ca, upload=data["photo"])
            services.ca_act(actor=request.user, action=ca, name=action, data=data)
    except ValidationError as exc:
        add_service_errors(form, exc, {"owner_id": "owner", "file": "photo"})
        return _nc_page(request, _nc(request, pk), {key: form}, status=422)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("quality:nc_detail", pk=pk)
    messages.success(request, _("已保存"))
    return redirect("quality:nc_detail", pk=pk)
