"""Quality pages: audits done on a phone item by item (htmx autosave), non-conformances and their
corrective actions, checklists (xlsx import/export), plans, figures, a project's quality page.
Thin: every fetch is ``visible_to``, every write a service."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm, Role, user_can
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.quality import exporting, selectors, services
from guanjia.quality.choices import AuditKind, AuditStatus, CaStatus, Frequency, Method, NcStatus, Outcome
from guanjia.quality.models import (
    Audit,
    AuditPlan,
    AuditResult,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    CorrectiveAction,
    NonConformance,
    QualityPhoto,
)
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import add_service_errors, console_view, style_form


def _error_message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# Audits ------------------------------------------------------------------------------------------


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
    from guanjia.quality.pdf import audit_report_pdf, report_context

    audit = visible_or_404(Audit.objects.select_related("project", "template", "auditor"), pk, request.user)
    response = HttpResponse(
        audit_report_pdf(report_context(request.user, audit)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{audit.number}.pdf"'
    return response


# Non-conformances and corrective actions ---------------------------------------------------------


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
    deadline = forms.DateField(label=gettext_lazy("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))
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
    may_manage = services._may_manage_project(request.user, nc.project_id)
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


# Checklists -------------------------------------------------------------------------------------


@console_view(Perm.VIEW_QUALITY)
def template_list(request):
    templates = ChecklistTemplate.objects.visible_to(request.user).annotate(n_items=Count("items"))
    return render(request, "quality/template_list.html", {"templates": templates})


@console_view(Perm.VIEW_QUALITY)
def template_detail(request, pk):
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    items = template.items.select_related("section").order_by("section__position", "position")
    used = Audit.objects.filter(template=template).exists()
    return render(
        request,
        "quality/template_detail.html",
        {
            "template": template,
            "items": items,
            "sections": template.sections.order_by("position"),
            "used": used,
            "can_edit": not used and user_can(request.user, Perm.MANAGE_QUALITY),
        },
    )


class SectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("检查项目（分类）"), max_length=60)


class ItemForm(forms.Form):
    section = forms.ModelChoiceField(label=gettext_lazy("分类"), queryset=ChecklistSection.objects.none())
    standard = forms.CharField(label=gettext_lazy("检查内容"), widget=forms.Textarea(attrs={"rows": 2}))
    methods = forms.MultipleChoiceField(
        label=gettext_lazy("检查方式"), choices=Method.choices, widget=forms.CheckboxSelectMultiple
    )
    frequency = forms.ChoiceField(label=gettext_lazy("检查频率"), choices=Frequency.choices)
    sample = forms.CharField(label=gettext_lazy("检查比例"), max_length=40, required=False)
    check = forms.CharField(label=gettext_lazy("检查方法"), widget=forms.Textarea(attrs={"rows": 2}))
    criterion = forms.CharField(label=gettext_lazy("评价标准"), widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.DecimalField(
        label=gettext_lazy("权重"), min_value=0, max_value=999, decimal_places=2, initial=1
    )
    physical = forms.BooleanField(label=gettext_lazy("设施类（可转报事）"), required=False)

    def __init__(self, *args, template, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = template.sections.order_by("position")
        if editing:
            # An item stays in its section: its key ("3.2") names it across versions.
            del self.fields["section"]


ITEM_FORM_FIELDS = ("standard", "methods", "frequency", "sample", "check", "criterion", "weight", "physical")


def _draft_template(request, pk) -> ChecklistTemplate:
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    if Audit.objects.filter(template=template).exists():
        messages.error(request, _("此版本已用于核查，不能修改；请先生成新版本"))
        raise _Redirect(reverse("quality:template_detail", args=[pk]))
    return template


class _Redirect(Exception):
    def __init__(self, url):
        self.url = url


def _editor_page(request, template, form, title):
    style_form(form)
    return render(
        request,
        "web/form.html",
        {"form": form, "title": title, "cancel_url": reverse("quality:template_detail", args=[template.pk])},
        status=422 if form.errors else 200,
    )


@console_view(Perm.MANAGE_QUALITY)
def section_edit(request, pk, section_pk=None):
    """Add a section to a draft checklist version, or rename one."""
    try:
        template = _draft_template(request, pk)
    except _Redirect as go:
        return redirect(go.url)
    section = None
    if section_pk is not None:
        section = visible_or_404(ChecklistSection.objects.filter(template=template), section_pk, request.user)
    form = SectionForm(request.POST or None, initial={"title": section.title if section else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_section_save(
                actor=request.user, template=template, section=section, title=form.cleaned_data["title"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存"))
            return redirect("quality:template_detail", pk=template.pk)
    return _editor_page(request, template, form, _("编辑分类") if section else _("新增分类"))


@console_view(Perm.MANAGE_QUALITY)
def item_edit(request, pk, item_pk=None):
    """Add an item to a draft checklist version, or edit one."""
    try:
        template = _draft_template(request, pk)
    except _Redirect as go:
        return redirect(go.url)
    item = None
    initial = {"section": request.GET.get("section")}
    if item_pk is not None:
        item = visible_or_404(ChecklistItem.objects.filter(template=template), item_pk, request.user)
        initial = {
            "standard": item.standard,
            "methods": item.methods,
            "frequency": item.frequency,
            "sample": item.sample,
            "check": item.check_method,
            "criterion": item.criterion,
            "weight": item.weight,
            "physical": item.physical,
        }
    form = ItemForm(request.POST or None, template=template, editing=item is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ITEM_FORM_FIELDS}
        try:
            if item is None:
                services.template_item_create(
                    actor=request.user, template=template, section=form.cleaned_data["section"], data=data
                )
            else:
                services.template_item_update(actor=request.user, item=item, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc, {"section_id": "section"})
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存"))
            return redirect("quality:template_detail", pk=template.pk)
    title = _("编辑条目 %(key)s") % {"key": item.key} if item else _("新增条目")
    return _editor_page(request, template, form, title)


@console_view(Perm.VIEW_QUALITY)
def template_export(request, pk):
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    response = HttpResponse(
        exporting.template_xlsx(template),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{template.code}-v{template.version}.xlsx"'
    return response


class CopyForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("编码"), max_length=40)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)


class ImportForm(CopyForm):
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx，列同种子核查表）"))


@console_view(Perm.MANAGE_QUALITY)
def template_copy(request, pk):
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    form = CopyForm(request.POST or None, initial={"name": _("%(name)s（副本）") % {"name": template.name}})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.template_copy(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已复制"))
            return redirect("quality:template_detail", pk=new.pk)
    style_form(form)
    return render(
        request,
        "web/form.html",
        {"form": form, "title": _("复制核查表"), "cancel_url": "/quality/templates/"},
        status=422 if form.errors else 200,
    )


@require_POST
@console_view(Perm.MANAGE_QUALITY)
def template_revise(request, pk):
    template = visible_or_404(ChecklistTemplate.objects, pk, request.user)
    new = services.template_revise(actor=request.user, template=template)
    messages.success(request, _("已生成新版本 v%(v)s") % {"v": new.version})
    return redirect("quality:template_detail", pk=new.pk)


@console_view(Perm.MANAGE_QUALITY)
def template_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = exporting.read_template_xlsx(form.cleaned_data["file"])
            new = services.template_create(
                actor=request.user, code=form.cleaned_data["code"], name=form.cleaned_data["name"], rows=rows
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已导入"))
            return redirect("quality:template_detail", pk=new.pk)
    style_form(form)
    return render(
        request,
        "web/form.html",
        {"form": form, "title": _("导入核查表"), "cancel_url": "/quality/templates/"},
        status=422 if form.errors else 200,
    )


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


# Figures and the project page ---------------------------------------------------------------------


def _figure_range(request):
    return selectors.figure_range(request.GET.get("from"), request.GET.get("to"))


@console_view(Perm.VIEW_QUALITY)
def figures(request):
    try:
        period = _figure_range(request)
    except ValidationError as exc:
        errors = {k: v[0] for k, v in exc.message_dict.items()}
        return render(
            request,
            "quality/figures.html",
            {"errors": errors, "values": request.GET, "invalid": True},
            status=422,
        )
    data = selectors.figures(request.user, period)
    data["chart_data"] = {
        "periods": data["months"],
        "charts": [{"id": "chart-scores", "series": data["series"]}],
    }
    data["values"] = period.as_query()
    data["errors"] = {}
    data["export_query"] = urlencode(period.as_query())
    return render(request, "quality/figures.html", data)


@console_view(Perm.VIEW_QUALITY)
def figures_export(request):
    try:
        period = _figure_range(request)
    except ValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        return HttpResponse(f"{field}: {errors[0]}", status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        exporting.figures_xlsx(selectors.figures(request.user, period)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="quality-figures-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"'
    )
    return response


@console_view(Perm.VIEW_QUALITY)
def project_page(request, pk):
    scope = scope_for(request.user)
    project = Project.objects.filter(pk=pk, company_id=scope.company_id).first()
    if project is None or not (scope.is_hq or project.pk in scope.project_ids):
        from django.http import Http404

        raise Http404
    audits = (
        Audit.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("template", "auditor")[:10]
    )
    open_actions = (
        CorrectiveAction.objects.visible_to(request.user)
        .filter(project=project)
        .exclude(status=CaStatus.CLOSED)
        .select_related("owner", "nonconformance__item")
    )
    open_ncs = NonConformance.objects.visible_to(request.user).filter(project=project, status=NcStatus.OPEN)
    return render(
        request,
        "quality/project_page.html",
        {
            "project": project,
            "audits": audits,
            "open_actions": open_actions,
            "open_ncs": open_ncs.select_related("item"),
            "trend": selectors.project_trend(request.user, project.pk),
            "now": timezone.now(),
            "can_audit": user_can(request.user, Perm.AUDIT),
        },
    )
