"""Checklist pages: versions, the editor of a draft version, copy, revise, xlsx import and export."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import user_can
from guanjia.core.services import visible_or_404
from guanjia.quality import exporting, services
from guanjia.quality.choices import Frequency, Method
from guanjia.quality.models import Audit, ChecklistItem, ChecklistSection, ChecklistTemplate
from guanjia.web.helpers import add_service_errors, console_view, style_form


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
