"""REST resources of money received: payments (posted exactly once per idempotency key) with their
allocations, and a unit's ledger statement with its balance."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query
from ninja.pagination import paginate

from guanjia.billing import selectors, services
from guanjia.billing.api.bills import EntryOut
from guanjia.billing.api.common import Text, router
from guanjia.billing.choices import PaymentMethod
from guanjia.billing.models import LedgerEntry, Payment
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Unit


class PaymentOut(Schema):
    id: int
    project_id: int
    unit_id: int
    method: PaymentMethod
    amount: Decimal
    reference: str
    idempotency_key: str
    receipt_no: str
    received_at: datetime.datetime
    payer: str
    note: str
    allocations: list[EntryOut]

    @staticmethod
    def resolve_allocations(obj):
        return list(obj.entries.order_by("time", "id"))


class PaymentIn(Schema):
    unit_id: RefId
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    method: PaymentMethod
    reference: str = Field("", max_length=64)
    idempotency_key: str = Field(..., min_length=1, max_length=64)
    payer: str = Field("", max_length=60)
    note: Text = ""


class PaymentFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    method: PaymentMethod | None = None
    receipt_no: str | None = Field(None, max_length=30)


def _payments(request):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_BILLING)
    return Payment.objects.visible_to(request.user).prefetch_related("entries")


@router.get(
    "/payments",
    response={200: list[PaymentOut], **ERROR_RESPONSES},
    operation_id="payment_list",
    summary="List payments (receipts)",
)
@paginate(Pagination)
def payment_list(request, filters: PaymentFilter = Query(...)):
    return filters.filter(_payments(request)).order_by("-received_at", "-id")


@router.get(
    "/payments/{int:pk}",
    response={200: PaymentOut, **ERROR_RESPONSES},
    operation_id="payment_get",
    summary="Get a payment with its allocations",
)
def payment_get(request, pk: int):
    return visible_or_404(_payments(request), pk, request.user)


@router.post(
    "/payments",
    response={200: PaymentOut, 201: PaymentOut, **ERROR_RESPONSES},
    operation_id="payment_post",
    summary="Post a payment (exactly once per idempotency key)",
)
def payment_post(request, payload: PaymentIn):
    """201 with a new receipt; 200 with the first payment when the same ``idempotency_key`` (or the same
    transfer/online ``reference``) was posted before; 409 if that key was used for different money."""
    payment, created = services.payment_post(actor=request.user, data=payload.model_dump())
    return (201 if created else 200), _payments(request).get(pk=payment.pk)


# Ledger of a unit ---------------------------------------------------------------------------------


class StatementOut(Schema):
    unit_id: int
    owed: Decimal
    credit: Decimal
    balance: Decimal
    entries: list[EntryOut]


@router.get(
    "/units/{int:pk}/statement",
    response={200: StatementOut, **ERROR_RESPONSES},
    operation_id="unit_statement",
    summary="A unit's ledger: every entry and the balance",
)
def unit_statement(request, pk: int):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_BILLING)
    unit = visible_or_404(Unit.objects, pk, request.user)
    entries = list(LedgerEntry.objects.filter(unit=unit).order_by("time", "id")[:1000])
    return {"unit_id": unit.pk, **selectors.unit_balance(unit.pk), "entries": entries}
