"""Invoice requests (电子发票): a resident (portal) or the desk asks for an invoice of a payment;
finance issues it through the invoicing backend (``billing.invoicing``) or marks it issued with the
number the tax platform gave; the resident sees it and downloads the PDF.

One open or issued request per payment (partial unique constraint: a second is 409). The amount
invoiced is what the payment still holds after refunds (never more, never negative).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from guanjia.billing import invoicing
from guanjia.billing.choices import EntryKind, InvoiceStatus
from guanjia.billing.models import InvoiceRequest, LedgerEntry, Payment
from guanjia.billing.selectors import ZERO, q2
from guanjia.billing.services import common
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference

TAX_NO = re.compile(r"^[0-9A-Z]{15,20}$")  # 统一社会信用代码 (18) or an older 15/20-digit number
REQUEST_FIELDS = {"payment_id", "title", "tax_no", "email"}


def invoiceable(payment: Payment):
    """What a payment still holds after its refunds: the most an invoice may show."""
    refunded = sum(
        LedgerEntry.objects.filter(payment=payment, kind=EntryKind.REFUND).values_list("amount", flat=True),
        ZERO,
    )
    return max(q2(payment.amount - refunded), ZERO)


@service
def invoice_request(*, actor, data: dict) -> InvoiceRequest:
    """Ask for an invoice of a payment: ``title`` (发票抬头), ``tax_no`` (required for a company title,
    15–20 digits or capitals), ``email``. A resident for a payment of a unit they live in; staff who
    take payments for any in their projects."""
    unknown = set(data) - REQUEST_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    if not scope_for(actor).is_resident:
        require(actor, Perm.POST_PAYMENT)
    payment = visible_reference(Payment, data.get("payment_id"), actor, field="payment_id")
    lock(payment)
    errors = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写发票抬头")
    tax_no = str(data.get("tax_no") or "").strip().upper()
    if tax_no and not TAX_NO.match(tax_no):
        errors["tax_no"] = _("纳税人识别号应为 15–20 位数字或大写字母")
    if ("公司" in title or "有限" in title) and not tax_no:
        errors["tax_no"] = _("单位抬头须填写纳税人识别号")
    email = str(data.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("请填写有效的邮箱")
    amount = invoiceable(payment)
    if amount <= 0:
        errors["payment_id"] = _("该笔收款已全部退款，不能开票")
    if errors:
        raise ValidationError(errors)
    if InvoiceRequest.objects.filter(
        payment=payment, status__in=[InvoiceStatus.REQUESTED, InvoiceStatus.ISSUED]
    ).exists():
        raise Conflict(_("该笔收款已申请过发票"))
    return save_validated(
        InvoiceRequest(
            company_id=payment.company_id,
            project_id=payment.project_id,
            unit_id=payment.unit_id,
            payment=payment,
            title=title[:100],
            tax_no=tax_no,
            email=email,
            amount=amount,
            requested_by=actor,
            requested_at=common._now(),
        )
    )


def _pending(invoice: InvoiceRequest) -> InvoiceRequest:
    invoice = lock(invoice)
    if invoice.status != InvoiceStatus.REQUESTED:
        raise Conflict(_("该申请已处理：%(s)s") % {"s": invoice.get_status_display()})
    return invoice


@service
def invoice_issue(*, actor, invoice: InvoiceRequest) -> InvoiceRequest:
    """Issue the invoice through the invoicing backend and keep its number and PDF. 409 when the
    request is no longer waiting or when no backend is configured or it refuses (nothing saved)."""
    require(actor, Perm.CHANGE_BILLING)
    invoice = _pending(invoice)
    client = invoicing.backend()
    if client is None:
        raise Conflict(_("未配置开票服务，请在税务平台开具后录入发票号码"))
    payment = Payment.objects.get(pk=invoice.payment_id)
    try:
        issued = client.issue(
            order_no=f"{payment.receipt_no}-{invoice.pk}",
            title=invoice.title,
            tax_no=invoice.tax_no,
            email=invoice.email,
            items=[{"name": _("物业服务费"), "amount": str(invoice.amount)}],
            total=invoice.amount,
        )
    except invoicing.InvoiceBackendError as exc:
        raise Conflict(_("开票服务拒绝：%(why)s") % {"why": exc}) from exc
    name = f"billing/invoices/{invoice.company_id}/{invoice.pk}-{issued.number}.pdf"
    invoice.document = default_storage.save(name, ContentFile(issued.pdf))
    return _issued(invoice, actor=actor, number=issued.number)


def _issued(invoice: InvoiceRequest, *, actor, number: str) -> InvoiceRequest:
    invoice.invoice_no = number[:40]
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_by = actor
    invoice.issued_at = common._now()
    return save_validated(invoice)


@service
def invoice_mark_issued(*, actor, invoice: InvoiceRequest, invoice_no: str) -> InvoiceRequest:
    """Record an invoice issued on the tax platform by hand: its number (422 on ``invoice_no``)."""
    require(actor, Perm.CHANGE_BILLING)
    number = str(invoice_no or "").strip()
    if not re.match(r"^[0-9A-Za-z-]{8,40}$", number):
        raise ValidationError({"invoice_no": _("请填写 8–40 位的发票号码")})
    return _issued(_pending(invoice), actor=actor, number=number)


@service
def invoice_reject(*, actor, invoice: InvoiceRequest, note: str) -> InvoiceRequest:
    """Refuse a request with the reason (a wrong title …); the payer may ask again."""
    require(actor, Perm.CHANGE_BILLING)
    note = str(note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写驳回原因")})
    invoice = _pending(invoice)
    invoice.status = InvoiceStatus.REJECTED
    invoice.note = note[:200]
    invoice.issued_by = actor
    invoice.issued_at = common._now()
    return save_validated(invoice)
