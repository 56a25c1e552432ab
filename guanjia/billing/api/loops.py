"""REST resources of the loops that reach the bill: late-fee policies and waivers, the 买单式
settlement of a month, invoice requests (电子发票)."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.billing import services
from guanjia.billing.api.common import Period, Text, router
from guanjia.billing.api.corrections import CorrectionOut
from guanjia.billing.choices import CorrectionKind, InvoiceStatus
from guanjia.billing.models import InvoiceRequest, LateFeePolicy
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.media import private_url
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404, visible_reference
from guanjia.estates.models import Project

# Late fees (滞纳金) ---------------------------------------------------------------------------------


class LateFeePolicyOut(Schema):
    id: int
    project_id: int
    enabled: bool
    daily_rate: Decimal
    grace_days: int
    cap_percent: Decimal
    starts_on: datetime.date


class LateFeePolicyIn(Schema):
    project_id: RefId
    enabled: bool
    daily_rate: Annotated[Decimal, Field(ge=0, le=Decimal("0.01"), max_digits=7, decimal_places=6)] = Decimal(
        "0.0005"
    )
    grace_days: Annotated[int, Field(ge=0, le=365)] = 0
    cap_percent: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = Decimal("100")
    starts_on: datetime.date | None = None


@router.get(
    "/late-fee-policies",
    response={200: list[LateFeePolicyOut], **ERROR_RESPONSES},
    operation_id="late_fee_policy_list",
    summary="The projects' late-fee rules (off unless a project turned them on)",
)
def late_fee_policy_list(request):
    require(request.user, Perm.VIEW_BILLING)
    return list(LateFeePolicy.objects.visible_to(request.user).order_by("project_id"))


@router.post(
    "/late-fee-policies",
    response={200: LateFeePolicyOut, **ERROR_RESPONSES},
    operation_id="late_fee_policy_set",
    summary="Turn a project's late fees on or off; rate per day, grace days, cap, start day",
)
def late_fee_policy_set(request, payload: LateFeePolicyIn):
    data = payload.model_dump(exclude_none=True)
    return services.late_fee_policy_set(actor=request.user, data=data)


class WaiverIn(Schema):
    bill_id: RefId
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    reason: str = Field(..., min_length=1, max_length=200)


@router.post(
    "/late-fee-waivers",
    response={201: CorrectionOut, **ERROR_RESPONSES},
    operation_id="late_fee_waiver_request",
    summary="Ask for a late-fee waiver (approved by another person at /corrections/{id}/approve)",
)
def late_fee_waiver_request(request, payload: WaiverIn):
    data = {**payload.model_dump(), "kind": CorrectionKind.LATE_FEE_WAIVER}
    return 201, services.correction_request(actor=request.user, data=data)


# Pay by satisfaction (买单式) -------------------------------------------------------------------------


class SettleIn(Schema):
    project_id: RefId
    period: Period


class SettleOut(Schema):
    settled: int
    existing: int
    survey: str
    satisfied_share: Decimal
    fee_percent: Decimal


@router.post(
    "/fee-settlements",
    response={200: SettleOut, **ERROR_RESPONSES},
    operation_id="fee_settlements_apply",
    summary="Apply the month's satisfaction result (买单式) to its management-fee bills, once each",
)
def fee_settlements_apply(request, payload: SettleIn):
    """422 on ``period`` when no closed survey with a published scale governs the month."""
    project = visible_reference(Project, payload.project_id, request.user, field="project_id")
    outcome = services.fee_settlements_apply(actor=request.user, project=project, period=payload.period)
    result = outcome["result"]
    return {
        "settled": outcome["settled"],
        "existing": outcome["existing"],
        "survey": result.label,
        "satisfied_share": result.satisfied_share,
        "fee_percent": result.fee_percent,
    }


# Invoice requests (电子发票) ------------------------------------------------------------------------


class InvoiceOut(Schema):
    id: int
    project_id: int
    unit_id: int
    payment_id: int
    title: str
    tax_no: str
    email: str
    amount: Decimal
    status: InvoiceStatus
    requested_at: datetime.datetime
    invoice_no: str
    issued_at: datetime.datetime | None
    note: str
    document_url: str

    @staticmethod
    def resolve_document_url(obj) -> str:
        return private_url(obj.document)


class InvoiceIn(Schema):
    payment_id: RefId
    title: str = Field(..., max_length=100)
    tax_no: str = Field("", max_length=20)
    email: str = Field(..., max_length=254)


class InvoiceNumberIn(Schema):
    invoice_no: str = Field(..., max_length=40)


class InvoiceRejectIn(Schema):
    note: Text


class InvoiceFilter(FilterSchema):
    project_id: RefId | None = None
    status: InvoiceStatus | None = None
    payment_id: RefId | None = None


def _invoices(request):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_BILLING)
    return InvoiceRequest.objects.visible_to(request.user)


@router.get(
    "/invoice-requests",
    response={200: list[InvoiceOut], **ERROR_RESPONSES},
    operation_id="invoice_request_list",
    summary="Invoice requests: finance's queue (status=requested), a resident's own",
)
@paginate(Pagination)
def invoice_request_list(request, filters: InvoiceFilter = Query(...)):
    return filters.filter(_invoices(request)).order_by("-requested_at", "-id")


@router.get(
    "/invoice-requests/{int:pk}",
    response={200: InvoiceOut, **ERROR_RESPONSES},
    operation_id="invoice_request_get",
    summary="Get an invoice request (with its PDF link once issued)",
)
def invoice_request_get(request, pk: int):
    return visible_or_404(_invoices(request), pk, request.user)


@router.post(
    "/invoice-requests",
    response={201: InvoiceOut, **ERROR_RESPONSES},
    operation_id="invoice_request_create",
    summary="Ask for an electronic invoice of a payment (resident or desk); 409 if one is open",
)
def invoice_request_create(request, payload: InvoiceIn):
    return 201, services.invoice_request(actor=request.user, data=payload.model_dump())


@router.post(
    "/invoice-requests/{int:pk}/issue",
    response={200: InvoiceOut, **ERROR_RESPONSES},
    operation_id="invoice_request_issue",
    summary="Issue through the invoicing service (409 when it refuses or none is configured)",
)
def invoice_request_issue(request, pk: int):
    invoice = visible_or_404(_invoices(request), pk, request.user)
    return services.invoice_issue(actor=request.user, invoice=invoice)


@router.post(
    "/invoice-requests/{int:pk}/mark-issued",
    response={200: InvoiceOut, **ERROR_RESPONSES},
    operation_id="invoice_request_mark_issued",
    summary="Record an invoice issued on the tax platform by hand, with its number",
)
def invoice_request_mark_issued(request, pk: int, payload: InvoiceNumberIn):
    invoice = visible_or_404(_invoices(request), pk, request.user)
    return services.invoice_mark_issued(actor=request.user, invoice=invoice, invoice_no=payload.invoice_no)


@router.post(
    "/invoice-requests/{int:pk}/reject",
    response={200: InvoiceOut, **ERROR_RESPONSES},
    operation_id="invoice_request_reject",
    summary="Refuse an invoice request with the reason",
)
def invoice_request_reject(request, pk: int, payload: InvoiceRejectIn):
    invoice = visible_or_404(_invoices(request), pk, request.user)
    return services.invoice_reject(actor=request.user, invoice=invoice, note=payload.note)
