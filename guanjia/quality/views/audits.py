"""Audit pages: the auditor's list, an audit done on a phone item by item (htmx autosave,
photos), submission and the PDF report."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.quality import services
from guanjia.quality.choices import AuditKind, AuditStatus, Outcome
from guanjia.quality.models import Audit, AuditResult, ChecklistTemplate, NonConformance
from guanjia.quality.pdf import audit_report_pdf, report_context
from guanjia.web.helpers import add_service_errors, console_view, style_form


def _error_message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@console_view(Perm.VIEW_QUALITY)
def audit_list(request):
    """Audits, the auditor's own open ones first."""
    scope = scope_for(request.user)
    audits = Audit.objects.visible_to(request.user).select_related("project", "template", "auditor")
    status = request.GET.get("status", "")
    if status in AuditStatus.values:
        audits = audits.filter(status=status)
    mine = []
    if scope.staff_id and Perm.AUDIT in scope.permissions:
        mine = list(audits.filter(auditor_id=scope.staff_id).exclude(status=AuditStatus.SUBMITTED)[:50])
    recent = list(audits.order_by("-created_at", "-id")[:100])
    return render(
        request,
        "quality/audit_list.html",
        {"mine": mine, "audits": recent, "statuses": AuditStatus.choices, "status": status},
    )


class AuditNewForm(forms.Form):
    project = forms.ModelChoiceField(label=gettext_lazy("项目"), queryset=Project.objects.none())
    template = forms.ModelChoiceField(label=gettext_lazy("核查表"), queryset=ChecklistTemplate.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("方式"), choices=AuditKind.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        projects = Project.objects.filter(company_id=scope.company_id)
        if not scope.is_hq:
            projects = projects.filter(pk__in=scope.project_ids)
        self.fields["project"].queryset = projects
        self.fields["template"].queryset = ChecklistTemplate.objects.visible_to(user).filter(is_active=True)


@console_view(Perm.AUDIT)
def audit_new(request):
    form = AuditNewForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_create(
                actor=request.user,
                data={
                    "project_id": form.cleaned_data["project"].pk,
                    "template_id": form.cleaned_data["template"].pk,
                    "kind": form.cleaned_data["kind"],
                },
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"project_id": "project", "template_id": "template"})
        else:
            return redirect("quality:audit_detail", pk=audit.pk)
    style_form(form)
    return render(
        request,
        "web/form.html",
        {"form": form, "title": _("新建核查"), "cancel_url": "/quality/"},
        status=422 if form.errors else 200,
    )


def _audit_context(request, audit: Audit) -> dict:
    scope = scope_for(request.user)
    results = list(
        AuditResult.objects.visible_to(request.user)
        .filter(audit=audit)
        .select_related("item__section")
        .prefetch_related("photos")
    )
    sections: list[dict] = []
    for result in results:
        if not sections or sections[-1]["section"].pk != result.item.section_id:
            sections.append({"section": result.item.section, "results": []})
        sections[-1]["results"].append(result)
    done = sum(1 for r in results if r.outcome)
    return {
        "audit": audit,
        "sections": sections,
        "done": done,
        "total": len(results),
        "can_record": scope.staff_id == audit.auditor_id
        and not audit.is_locked
        and Perm.AUDIT in scope.permissions,
        "scores": services.section_scores(audit) if audit.is_locked else [],
        "nonconformances": list(
            NonConformance.objects.visible_to(request.user)
            .filter(audit=audit)
            .select_related("item", "action__owner", "ticket")
        )
        if audit.is_locked
        else [],
        "outcomes": Outcome.choices,
    }


@console_view(Perm.VIEW_QUALITY)
def audit_detail(request, pk):
    audit = visible_or_404(Audit.objects.select_related("project", "template", "auditor"), pk, request.user)
    return render(request, "quality/audit_detail.html", _audit_context(request, audit))


def _result_for(request, pk, result_pk) -> AuditResult:
    audit = visible_or_404(Audit.objects, pk, request.user)
    return visible_or_404(
        AuditResult.objects.filter(audit=audit).select_related("item__section", "audit"),
        result_pk,
        request.user,
    )


@require_POST
@console_view(Perm.AUDIT)
def result_save(request, pk, result_pk):
    """htmx autosave of one item: answers with the item's card, saved or with the error."""
    result = _result_for(request, pk, result_pk)
    data = {k: request.POST[k] for k in ("outcome", "sample_taken", "note") if k in request.POST}
    error = ""
    status = 200
    try:
        result = services.audit_record(actor=request.user, result=result, data=data)
    except ValidationError as exc:
        error, status = _error_message(exc), 422
    except Conflict as exc:
        error, status = exc.message, 409
    result = _result_for(request, pk, result_pk)
    return render(
        request,
        "quality/_result.html",
        {
            "r": result,
            "can_record": status != 409,
            "saved": status == 200,
            "error": error,
            "audit": result.audit,
            "outcomes": Outcome.choices,
        },
        status=status,
    )


@require_POST
@console_view(Perm.AUDIT)
def result_photo(request, pk, result_pk):
    result = _result_for(request, pk, result_pk)
    error = ""
    status = 200
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": _("请选择照片")})
        services.result_add_photo(actor=request.user, result=result, upload=upload)
        # The photo form carries the item's answers too, so typing just before a photo is not lost.
        data = {k: request.POST[k] for k in ("outcome", "sample_taken", "note") if k in request.POST}
        if data:
            services.audit_record(actor=request.user, result=result, data=data)
    except ValidationError as exc:
        error, status = _error_message(exc), 422
    except Conflict as exc:
        error, status = exc.message, 409
    result = _result_for(request, pk, result_pk)
    return render(
        request,
        "quality/_result.html",
        {
            "r": result,
            "can_record": status != 409,
            "saved": status == 200,
            "error": error,
            "audit": result.audit,
            "outcomes": Outcome.choices,
        },
        status=status,
    )


@require_POST
@console_view(Perm.AUDIT)
def audit_submit(request, pk):
    audit = visible_or_404(Audit.objects, pk, request.user)
    try:
        services.audit_submit(actor=request.user, audit=audit, summary=request.POST.get("summary", ""))
    except ValidationError as exc:
        messages.error(request, _error_message(exc))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("核查已提交"))
    return redirect("quality:audit_detail", pk=pk)


@console_view(Perm.VIEW_QUALITY)
def audit_pdf(request, pk):
    audit = visible_or_404(Audit.objects.select_related("project", "template", "auditor"), pk, request.user)
    response = HttpResponse(
        audit_report_pdf(report_context(request.user, audit)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{audit.number}.pdf"'
    return response
