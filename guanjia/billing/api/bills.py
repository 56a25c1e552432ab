"""REST resources of bills: list and detail with lines and ledger entries, one-off bills, the
monthly generation (exactly once per unit)."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, FilterLookup, Query
from ninja.pagination import paginate

from guanjia.billing import selectors, services
from guanjia.billing.api.common import Money, Period, _unit_label, router
from guanjia.billing.choices import BillKind, BillStatus, EntryKind
from guanjia.billing.models import Bill, FeeSettlement
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project


class BillOut(Schema):
    id: int
    project_id: int
    unit_id: int
    unit: str
    kind: BillKind
    period: str
    total: Decimal
    billed: Decimal
    paid: Decimal
    outstanding: Decimal
    late_fee: Decimal = Field(description="Late fees (滞纳金) less waivers, part of billed, shown apart")
    status: BillStatus
    due_on: datetime.date
    issued_at: datetime.datetime
    ticket_id: int | None = Field(None, description="A paid-service bill: the request it bills")

    @staticmethod
    def resolve_unit(obj) -> str:
        return _unit_label(obj.unit)

    @staticmethod
    def resolve_billed(obj) -> Decimal:
        return selectors.q2(obj.billed)

    @staticmethod
    def resolve_paid(obj) -> Decimal:
        return selectors.q2(obj.paid)

    @staticmethod
    def resolve_outstanding(obj) -> Decimal:
        return selectors.q2(obj.outstanding)

    @staticmethod
    def resolve_late_fee(obj) -> Decimal:
        return selectors.q2(obj.late_fee)


class LineOut(Schema):
    id: int
    item_id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class EntryOut(Schema):
    id: int
    kind: EntryKind
    amount: Decimal
    time: datetime.datetime
    payment_id: int | None
    correction_id: int | None
    reason: str


class SettlementOut(Schema):
    survey_label: str
    satisfied_share: Decimal
    fee_percent: Decimal
    base: Decimal
    amount_due: Decimal
    applied_at: datetime.datetime


class BillDetailOut(BillOut):
    lines: list[LineOut]
    entries: list[EntryOut]
    settlement: SettlementOut | None = Field(None, description="买单式 applied to the management fee")

    @staticmethod
    def resolve_settlement(obj):
        return FeeSettlement.objects.filter(bill_id=obj.pk).first()

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_entries(obj):
        return list(obj.entries.order_by("time", "id"))


class BillFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    period: Period | None = None
    kind: BillKind | None = None
    status: BillStatus | None = None
    due_before: Annotated[datetime.date | None, FilterLookup("due_on__lt")] = None


def _bills(request):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_BILLING)
    return selectors.with_amounts(Bill.objects.visible_to(request.user)).select_related("unit__building")


@router.get(
    "/bills",
    response={200: list[BillOut], **ERROR_RESPONSES},
    operation_id="bill_list",
    summary="List bills",
)
@paginate(Pagination)
def bill_list(request, filters: BillFilter = Query(...)):
    """Bills with what was billed, paid and is still owed (from the ledger); residents see their units'."""
    return filters.filter(_bills(request)).order_by("-period", "unit_id", "id")


@router.get(
    "/bills/{int:pk}",
    response={200: BillDetailOut, **ERROR_RESPONSES},
    operation_id="bill_get",
    summary="Get a bill with its lines and ledger entries",
)
def bill_get(request, pk: int):
    return visible_or_404(_bills(request), pk, request.user)


class OneOffIn(Schema):
    unit_id: RefId
    item_id: RefId
    amount: Money | None = None
    due_on: datetime.date | None = None
    note: str = Field("", max_length=120)
    key: str = Field("", max_length=64, description="Idempotency key: the same key returns the first bill")


@router.post(
    "/bills",
    response={201: BillOut, **ERROR_RESPONSES},
    operation_id="bill_create",
    summary="Issue a one-off bill (a deposit …)",
)
def bill_create(request, payload: OneOffIn):
    bill = services.bill_one_off(actor=request.user, data=payload.model_dump())
    return 201, _bills(request).get(pk=bill.pk)


class GenerateIn(Schema):
    project_id: RefId
    period: Period
    due_on: datetime.date | None = None


class GenerateOut(Schema):
    created: int
    existing: int
    credit_applied: int


@router.post(
    "/bills/generate",
    response={200: GenerateOut, **ERROR_RESPONSES},
    operation_id="bill_generate",
    summary="Issue a project's bills for a month (exactly once per unit)",
)
def bill_generate(request, payload: GenerateIn):
    """Idempotent: units already billed for the period are counted in ``existing`` and left alone."""
    require(request.user, Perm.CHANGE_BILLING)
    project = visible_or_404(Project.objects, payload.project_id, request.user)
    return services.bills_generate(
        actor=request.user, project=project, period=payload.period, due_on=payload.due_on
    )
