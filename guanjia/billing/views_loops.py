"""Fee pages of the loops that reach the bill: receipts for the counter's printers (A5, 80 mm
thermal; HTML and PDF), the refund's own document, late-fee rules and waivers, the 买单式 settlement
of a month, and electronic invoices (finance's queue; the resident's request and download). Thin:
every write is a service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.billing import printing, selectors, services
from guanjia.billing.choices import CorrectionKind, CorrectionStatus, InvoiceStatus
from guanjia.billing.forms_loops import InvoiceForm, LateFeePolicyForm, SettleForm
from guanjia.billing.models import Correction, FeeSettlement, InvoiceRequest, LateFeePolicy, Payment
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.web.helpers import console_view, style_form


def paper(request) -> str:
    return "80mm" if request.GET.get("size") in ("80mm", "thermal") else "a5"


def _payment(request, pk: int) -> Payment:
    return visible_or_404(
        Payment.objects.select_related("unit__building", "project", "received_by"), pk, request.user
    )


def receipt_context(request, payment: Payment) -> dict:
    invoices = (
        InvoiceRequest.objects.visible_to(request.user).filter(payment=payment).order_by("-requested_at")
    )
    refund_notes = Correction.objects.visible_to(request.user).filter(
        payment=payment, kind=CorrectionKind.REFUND, status=CorrectionStatus.APPROVED
    )
    return {
        "paper": paper(request),
        "refund_notes": list(refund_notes.order_by("decided_at", "id")),
        "invoices": list(invoices),
        "invoice_form": style_form(InvoiceForm()) if _may_ask_invoice(request.user) else None,
    }


def _may_ask_invoice(user) -> bool:
    return scope_for(user).is_resident or user_can(user, Perm.POST_PAYMENT)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@console_view()
def receipt_pdf(request, pk: int):
    """The receipt as a PDF for the counter's printer: ``?size=a5`` (default) or ``?size=80mm``."""
    if not (scope_for(request.user).is_resident or user_can(request.user, Perm.VIEW_BILLING)):
        raise Http404
    payment = _payment(request, pk)
    size = paper(request)
    content = printing.receipt_pdf(payment, selectors.receipt_lines(payment), size=size)
    return _pdf(content, f"{payment.receipt_no}-{size}.pdf")


def _refund(request, pk: int) -> tuple[Correction, Payment]:
    correction = visible_or_404(
        Correction.objects.filter(
            kind=CorrectionKind.REFUND, status=CorrectionStatus.APPROVED
        ).select_related("requested_by", "decided_by"),
        pk,
        request.user,
    )
    return correction, _payment(request, correction.payment_id)


@console_view(Perm.VIEW_BILLING)
def refund_note(request, pk: int):
    """An approved refund's own document (退款凭证): never a negative line on the receipt."""
    correction, payment = _refund(request, pk)
    if request.GET.get("format") == "pdf":
        return _pdf(
            printing.refund_pdf(correction, payment, size=paper(request)), f"refund-{correction.pk}.pdf"
        )
    return render(
        request,
        "billing/refund_note.html",
        {"title": _("退款凭证"), "correction": correction, "payment": payment, "paper": paper(request)},
    )


# Invoices (电子发票) --------------------------------------------------------------------------------


@require_POST
@console_view()
def invoice_ask(request, pk: int):
    """A resident (portal) or the desk asks for an invoice of a payment from its receipt page."""
    if not _may_ask_invoice(request.user):
        raise Http404
    payment = _payment(request, pk)
    form = InvoiceForm(request.POST)
    target = "billing:portal_receipt" if scope_for(request.user).is_resident else "billing:receipt"
    if form.is_valid():
        try:
            services.invoice_request(actor=request.user, data={"payment_id": payment.pk, **form.cleaned_data})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except (Conflict, NotAllowed) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("发票申请已提交，开具后将发送到您的邮箱"))
            return redirect(target, payment.pk)
    context = {"payment": payment, **selectors.receipt_lines(payment), "title": _("收据")}
    context.update(receipt_context(request, payment))
    context["invoice_form"] = style_form(form)
    return render(request, "billing/receipt.html", context, status=422)


@console_view(Perm.VIEW_BILLING)
def invoice_queue(request):
    status = request.GET.get("status") or InvoiceStatus.REQUESTED
    rows = (
        InvoiceRequest.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("payment", "unit__building", "project")
        .order_by("requested_at", "id")[:200]
    )
    return render(
        request,
        "billing/invoices.html",
        {
            "title": _("电子发票"),
            "rows": rows,
            "status": status,
            "statuses": InvoiceStatus.choices,
            "can_issue": user_can(request.user, Perm.CHANGE_BILLING),
        },
    )


@require_POST
@console_view(Perm.CHANGE_BILLING)
def invoice_decide(request, pk: int):
    invoice = visible_or_404(InvoiceRequest.objects.all(), pk, request.user)
    action = request.POST.get("action")
    try:
        if action == "issue":
            services.invoice_issue(actor=request.user, invoice=invoice)
        elif action == "mark":
            services.invoice_mark_issued(
                actor=request.user, invoice=invoice, invoice_no=request.POST.get("invoice_no")
            )
        elif action == "reject":
            services.invoice_reject(actor=request.user, invoice=invoice, note=request.POST.get("note"))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms))
    except (Conflict, NotAllowed) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已处理"))
    return redirect("billing:invoices")


# Late fees and 买单式 ----------------------------------------------------------------------------------


@console_view(Perm.VIEW_BILLING)
def loops_settings(request):
    """Late-fee rules per project and the 买单式 settlement of a month."""
    can_change = user_can(request.user, Perm.CHANGE_BILLING)
    policy_form = settle_form = None
    status = 200
    if can_change:
        policy_form = LateFeePolicyForm(user=request.user)
        settle_form = SettleForm(user=request.user)
        if request.method == "POST":
            try:
                if request.POST.get("what") == "policy":
                    policy_form = LateFeePolicyForm(request.POST, user=request.user)
                    if policy_form.is_valid():
                        data = {
                            **policy_form.cleaned_data,
                            "project_id": policy_form.cleaned_data.pop("project").pk,
                        }
                        services.late_fee_policy_set(actor=request.user, data=data)
                        messages.success(request, _("滞纳金规则已保存"))
                        return redirect("billing:loops")
                else:
                    settle_form = SettleForm(request.POST, user=request.user)
                    if settle_form.is_valid():
                        outcome = services.fee_settlements_apply(
                            actor=request.user,
                            project=settle_form.cleaned_data["project"],
                            period=settle_form.cleaned_data["period"],
                        )
                        messages.success(
                            request,
                            _("买单式已执行：%(n)s 张账单（满意率 %(share)s%%，按 %(pct)s%% 收取）")
                            % {
                                "n": outcome["settled"],
                                "share": selectors.q2(outcome["result"].satisfied_share * 100),
                                "pct": outcome["result"].fee_percent,
                            },
                        )
                        return redirect("billing:loops")
            except ValidationError as exc:
                form = policy_form if request.POST.get("what") == "policy" else settle_form
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            status = 422
        style_form(policy_form)
        style_form(settle_form)
    return render(
        request,
        "billing/loops.html",
        {
            "title": _("滞纳金与买单式"),
            "policies": LateFeePolicy.objects.visible_to(request.user).select_related("project"),
            "policy_form": policy_form,
            "settle_form": settle_form,
        },
        status=status,
    )


def bill_extras(bills) -> None:
    """Attach each bill's 买单式 settlement (one query for the page) as ``fee``."""
    found = {s.bill_id: s for s in FeeSettlement.objects.filter(bill__in=[b.pk for b in bills])}
    for bill in bills:
        bill.fee = found.get(bill.pk)
