"""Handover pages: the console's lists (filters, .xlsx export), an appointment's and a takeover's
page, the inspector's phone pages (one inspection page for both kinds, the signature pad) and the
resident's own handover in the portal. Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

import secrets
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.media import private_url
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.handover import lists, pdf, selectors, services
from guanjia.handover.choices import (
    DOCUMENTS,
    KEY_KINDS,
    HandoverInspectionKind,
    HandoverStatus,
    TakeoverStatus,
)
from guanjia.handover.forms import (
    BillForm,
    BookForm,
    ItemForm,
    PayForm,
    ReadyImportForm,
    ReadyMarkForm,
    RecordForm,
    TakeoverForm,
)
from guanjia.handover.models import Defect, InspectionItem
from guanjia.handover.services.common import mask_id
from guanjia.web.helpers import add_service_errors, console_view, list_page, style_form


def _run(request, call, done: str, back: str):
    """Run a service for a plain form post: a message and back to the page either way."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(back)


# Lists --------------------------------------------------------------------------------------------


@console_view(Perm.VIEW_ESTATES)
def appointment_list(request):
    form, qs = lists.appointment_list(request.user, request.GET)
    style_form(form)
    create_url = reverse("handover:book") if user_can(request.user, Perm.HANDOVER) else ""
    return list_page(
        request,
        queryset=qs,
        fragment="handover/_rows.html",
        template="handover/list.html",
        context={
            "filter_form": form,
            "title": _("收楼交付"),
            "resource": "handovers",
            "create_url": create_url,
        },
    )


@console_view(Perm.VIEW_ESTATES)
def ready_list(request):
    form, qs = lists.ready_list(request.user, request.GET)
    style_form(form)
    may = user_can(request.user, Perm.HANDOVER)
    mark_form = style_form(ReadyMarkForm(user=request.user)) if may else None
    import_form = style_form(ReadyImportForm(user=request.user)) if may else None
    return list_page(
        request,
        queryset=qs,
        fragment="handover/_ready_rows.html",
        template="handover/ready.html",
        context={
            "filter_form": form,
            "title": _("可交付房屋"),
            "resource": "handover_ready_units",
            "mark_form": mark_form,
            "import_form": import_form,
        },
    )


@require_POST
@console_view(Perm.HANDOVER)
def ready_mark(request):
    form = ReadyMarkForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(f"{form[f].label}：{' '.join(e)}" for f, e in form.errors.items()))
        return redirect("handover:ready")
    data = {k: v for k, v in form.cleaned_data.items() if k != "unit"} | {
        "unit_id": form.cleaned_data["unit"].pk
    }
    return _run(
        request,
        lambda: services.ready_mark(actor=request.user, data=data),
        _("已标记为可交付"),
        reverse("handover:ready"),
    )


@require_POST
@console_view(Perm.HANDOVER)
def ready_import(request):
    form = ReadyImportForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect("handover:ready")

    def call():
        rows = lists.read_ready_sheet(form.cleaned_data["file"])
        count = services.ready_import(actor=request.user, project=form.cleaned_data["project"], rows=rows)
        messages.info(request, _("导入 %(n)s 套可交付房屋") % {"n": count})

    return _run(request, call, _("导入完成"), reverse("handover:ready"))


@console_view(Perm.HANDOVER)
def book(request):
    form = BookForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appointment = services.appointment_book(actor=request.user, data=form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc, {"unit_id": "unit"})
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已预约收楼 %(n)s") % {"n": appointment.number})
                return redirect("handover:detail", pk=appointment.pk)
        status = 422
    style_form(form)
    return render(request, "handover/book.html", {"form": form, "title": _("预约收楼")}, status=status)


# An appointment -----------------------------------------------------------------------------------


def _appointment(request, pk):
    return visible_or_404(selectors.appointment_queryset(), pk, request.user)


@console_view(Perm.VIEW_ESTATES)
def detail(request, pk):
    a = _appointment(request, pk)
    perms = scope_for(request.user).permissions
    inspection = selectors.inspection_of(a)
    open_ = a.status == HandoverStatus.BOOKED
    record = RecordForm(
        initial={
            "documents": a.documents,
            "water_reading": a.water_reading,
            "power_reading": a.power_reading,
            "gas_reading": a.gas_reading,
            **{f"key_{code}": a.keys.get(code, 0) for code, _label in KEY_KINDS},
        }
    )
    context = {
        "a": a,
        "title": _("收楼交付"),
        "id_masked": mask_id(a.owner_id_number),
        "documents": [(code, label, code in a.documents) for code, label in DOCUMENTS],
        "keys": [(label, a.keys.get(code)) for code, label in KEY_KINDS if a.keys.get(code)],
        "bills": list(services.bills(a)),
        "due": services.outstanding(a),
        "inspection": inspection,
        "progress": selectors.progress(inspection),
        "defects": selectors.defects(inspection),
        "signature_url": private_url(a.signature),
        "may_work": open_ and Perm.HANDOVER in perms,
        "may_reinspect": Perm.HANDOVER in perms,
        "may_bill": open_ and Perm.CHANGE_BILLING in perms,
        "may_pay": open_ and Perm.POST_PAYMENT in perms,
        "record_form": style_form(record),
        "bill_form": style_form(BillForm(user=request.user)),
        "pay_form": style_form(PayForm(initial={"token": secrets.token_hex(8)})),
    }
    return render(request, "handover/detail.html", context)


def _back(a) -> str:
    return reverse("handover:detail", args=[a.pk])


@require_POST
@console_view(Perm.HANDOVER)
def record(request, pk):
    a = _appointment(request, pk)
    form = RecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(f"{form[f].label}：{' '.join(e)}" for f, e in form.errors.items()))
        return redirect(_back(a))
    return _run(
        request,
        lambda: services.appointment_record(actor=request.user, appointment=a, data=form.service_data()),
        _("已保存资料、钥匙与表读数"),
        _back(a),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def bill(request, pk):
    a = _appointment(request, pk)
    form = BillForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect(_back(a))
    data = {"item_id": form.cleaned_data["item"].pk, "amount": form.cleaned_data["amount"]}
    return _run(
        request,
        lambda: services.appointment_bill(actor=request.user, appointment=a, data=data),
        _("已开具账单"),
        _back(a),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def pay(request, pk):
    a = _appointment(request, pk)
    form = PayForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect(_back(a))
    data = {
        "method": form.cleaned_data["method"],
        "reference": form.cleaned_data["reference"],
        "idempotency_key": f"handover-{a.pk}-{form.cleaned_data['token']}",
    }
    return _run(
        request,
        lambda: services.appointment_pay(actor=request.user, appointment=a, data=data),
        _("已收款"),
        _back(a),
    )


@require_POST
@console_view(Perm.HANDOVER)
def cancel(request, pk):
    a = _appointment(request, pk)
    return _run(
        request,
        lambda: services.appointment_cancel(actor=request.user, appointment=a),
        _("已取消预约"),
        _back(a),
    )


@require_POST
@console_view(Perm.HANDOVER)
def complete(request, pk):
    a = _appointment(request, pk)
    return _run(
        request,
        lambda: services.appointment_complete(actor=request.user, appointment=a),
        _("交付完成：业主已登记为住户"),
        _back(a),
    )


@console_view(Perm.VIEW_ESTATES)
def appointment_record_pdf(request, pk):
    a = _appointment(request, pk)
    response = HttpResponse(pdf.appointment_pdf(a), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{a.number}.pdf"'
    return response


# Inspections (both kinds, on a phone) -------------------------------------------------------------


def _parent(request, kind: str, pk):
    if kind == HandoverInspectionKind.HANDOVER:
        return _appointment(request, pk)
    return _takeover(request, pk)


def _inspect_url(kind: str, pk: int) -> str:
    name = "handover:inspect" if kind == HandoverInspectionKind.HANDOVER else "handover:takeover_inspect"
    return reverse(name, args=[pk])


@console_view(Perm.HANDOVER)
def inspect(request, pk, kind=HandoverInspectionKind.HANDOVER):
    parent = _parent(request, kind, pk)
    if request.method == "POST":
        started = {"appointment": parent} if kind == HandoverInspectionKind.HANDOVER else {"takeover": parent}
        return _run(
            request,
            lambda: services.inspection_start(actor=request.user, **started),
            _("已开始验房"),
            _inspect_url(kind, parent.pk),
        )
    inspection = selectors.inspection_of(parent)
    return render(
        request,
        "handover/inspect.html",
        {
            "parent": parent,
            "kind": kind,
            "inspection": inspection,
            "rooms": selectors.rooms(inspection),
            "progress": selectors.progress(inspection),
            "form": style_form(ItemForm()),
            "back": _back(parent)
            if kind == HandoverInspectionKind.HANDOVER
            else reverse("handover:takeover", args=[parent.pk]),
            "title": _("收楼验房") if kind == HandoverInspectionKind.HANDOVER else _("接管验收"),
        },
    )


@require_POST
@console_view(Perm.HANDOVER)
def item(request, item_pk):
    found = visible_or_404(InspectionItem.objects.select_related("inspection"), item_pk, request.user)
    inspection = found.inspection
    parent_pk = inspection.appointment_id or inspection.takeover_id
    form = ItemForm(request.POST, request.FILES)
    form.is_valid()
    result = request.POST.get("result", "")

    def call():
        services.item_record(
            actor=request.user,
            item=found,
            result=result,
            note=form.cleaned_data.get("note", ""),
            photos=form.cleaned_data.get("photos") or [],
        )

    done = _("已记录问题并转报事") if result == "defect" and inspection.kind == "handover" else _("已记录")
    return _run(request, call, done, _inspect_url(inspection.kind, parent_pk) + f"#item-{found.pk}")


@require_POST
@console_view(Perm.HANDOVER)
def reinspect(request, defect_pk):
    defect = visible_or_404(
        Defect.objects.select_related("inspection", "ticket__assignee"), defect_pk, request.user
    )
    passed = request.POST.get("passed") == "1"
    note = request.POST.get("note", "")
    inspection = defect.inspection
    back = (
        reverse("handover:detail", args=[inspection.appointment_id])
        if inspection.appointment_id
        else reverse("handover:takeover", args=[inspection.takeover_id])
    )
    return _run(
        request,
        lambda: services.defect_reinspect(actor=request.user, defect=defect, passed=passed, note=note),
        _("复验通过，问题已关闭") if passed else _("复验未通过，已退回整改"),
        back,
    )


@require_POST
@console_view(Perm.HANDOVER)
def developer_done(request, defect_pk):
    defect = visible_or_404(Defect.objects.select_related("inspection"), defect_pk, request.user)
    if defect.inspection.takeover_id is None:
        raise Http404
    return _run(
        request,
        lambda: services.defect_developer_done(
            actor=request.user, defect=defect, note=request.POST.get("note", "")
        ),
        _("已登记开发商整改完成，待复验"),
        reverse("handover:takeover", args=[defect.inspection.takeover_id]),
    )


@console_view(Perm.HANDOVER)
def sign(request, pk):
    a = _appointment(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.appointment_sign(
                actor=request.user, appointment=a, signature=request.POST.get("signature", "")
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except Conflict as exc:
            error = exc.message
        else:
            messages.success(request, _("业主已签名"))
            return redirect(_back(a))
    inspection = selectors.inspection_of(a)
    return render(
        request,
        "handover/sign.html",
        {
            "a": a,
            "title": _("业主签名"),
            "error": error,
            "defects": selectors.defects(inspection),
            "progress": selectors.progress(inspection),
            "back": _back(a),
        },
        status=422 if error else 200,
    )


# Takeovers ----------------------------------------------------------------------------------------


def _takeover(request, pk):
    return visible_or_404(selectors.takeover_queryset(), pk, request.user)


@console_view(Perm.VIEW_ESTATES)
def takeover_list(request):
    form, qs = lists.takeover_list(request.user, request.GET)
    style_form(form)
    create_url = reverse("handover:takeover_new") if user_can(request.user, Perm.HANDOVER) else ""
    return list_page(
        request,
        queryset=qs,
        fragment="handover/_takeover_rows.html",
        template="handover/list.html",
        context={
            "filter_form": form,
            "title": _("接管验收"),
            "resource": "takeovers",
            "create_url": create_url,
        },
    )


@console_view(Perm.HANDOVER)
def takeover_new(request):
    form = TakeoverForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                takeover = services.takeover_create(actor=request.user, data=form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc, {"project_id": "project"})
            else:
                messages.success(request, _("已建立接管验收 %(n)s") % {"n": takeover.number})
                return redirect("handover:takeover", pk=takeover.pk)
        status = 422
    style_form(form)
    return render(request, "handover/book.html", {"form": form, "title": _("新建接管验收")}, status=status)


@console_view(Perm.VIEW_ESTATES)
def takeover(request, pk):
    t = _takeover(request, pk)
    perms = scope_for(request.user).permissions
    inspection = selectors.inspection_of(t)
    error = ""
    if request.method == "POST":
        try:
            services.takeover_accept(
                actor=request.user,
                takeover=t,
                signature=request.POST.get("signature", ""),
                note=request.POST.get("acceptance_note", ""),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except (Conflict, NotAllowed) as exc:
            error = exc.message
        else:
            messages.success(request, _("已签署接管验收"))
            return redirect("handover:takeover", pk=t.pk)
    open_ = t.status == TakeoverStatus.INSPECTING
    return render(
        request,
        "handover/takeover.html",
        {
            "t": t,
            "title": _("接管验收"),
            "inspection": inspection,
            "progress": selectors.progress(inspection),
            "defects": selectors.defects(inspection),
            "signature_url": private_url(t.signature),
            "may_work": open_ and Perm.HANDOVER in perms,
            "may_reinspect": Perm.HANDOVER in perms,
            "may_accept": open_ and Perm.ACCEPT_TAKEOVER in perms,
            "error": error,
        },
        status=422 if error else 200,
    )


@console_view(Perm.VIEW_ESTATES)
def takeover_pdf(request, pk):
    t = _takeover(request, pk)
    response = HttpResponse(pdf.takeover_pdf(t), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{t.number}.pdf"'
    return response


# The resident's portal ----------------------------------------------------------------------------


def resident_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


@resident_page
def portal_handover(request):
    records = list(selectors.mine(request.user))
    for a in records:
        inspection = selectors.inspection_of(a)
        a.progress_ = selectors.progress(inspection)
        a.defect_rows = selectors.defects(inspection)
    return render(request, "handover/portal.html", {"records": records, "title": _("我的收楼")})


@resident_page
def portal_handover_pdf(request, pk):
    a = visible_or_404(selectors.appointment_queryset(), pk, request.user)
    response = HttpResponse(pdf.appointment_pdf(a), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{a.number}.pdf"'
    return response
