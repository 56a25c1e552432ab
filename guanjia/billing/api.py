"""REST resources of fees: charge items, project rates, unit registrations, meter readings, bills,
payments, refunds and adjustments, door-to-door visits, arrears and the collection rate.

Every handler is thin: ``visible_to`` for reads, a service for writes (journaled, 422/403/404/409).
"""

import datetime
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, FilterLookup, Query, Router
from ninja.pagination import paginate

from guanjia.billing import selectors, services
from guanjia.billing.choices import (
    BillKind,
    BillStatus,
    ChargeKind,
    CorrectionKind,
    CorrectionStatus,
    EntryKind,
    ItemScope,
    Meter,
    PaymentMethod,
    VisitStatus,
)
from guanjia.billing.models import (
    Bill,
    ChargeItem,
    CollectionVisit,
    Correction,
    LedgerEntry,
    MeterReading,
    Payment,
    ProjectCharge,
    UnitCharge,
)
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, register_crud
from guanjia.core.roles import Perm, require
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project

router = Router(tags=["billing"])
Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
Text = Annotated[str, Field(max_length=200)]


def _unit_label(unit) -> str:
    return f"{unit.building.name}-{unit.number}"


# Charge items -------------------------------------------------------------------------------------


class ChargeItemOut(Schema):
    id: int
    name: str
    kind: ChargeKind
    meter: str
    unit_price: Decimal
    active: bool
    note: str


class ChargeItemIn(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    kind: ChargeKind
    meter: Meter | None = None
    unit_price: Price
    active: bool = True
    note: Text = ""


class ChargeItemPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=40)
    meter: Meter | None = None
    unit_price: Price | None = None
    active: bool | None = None
    note: Text | None = None


class ChargeItemFilter(FilterSchema):
    kind: ChargeKind | None = None
    active: bool | None = None


def _item_create(*, actor, data):
    data["meter"] = data.get("meter") or ""
    return services.charge_item_create(actor=actor, data=data)


register_crud(
    router,
    name="charge_item",
    plural="charge-items",
    model=ChargeItem,
    out=ChargeItemOut,
    create_in=ChargeItemIn,
    update_in=ChargeItemPatch,
    filters=ChargeItemFilter,
    orderings=["name", "kind"],
    view_perm=Perm.VIEW_BILLING,
    create=_item_create,
    update=services.charge_item_update,
    delete=services.charge_item_delete,
)


# Project rates ------------------------------------------------------------------------------------


class ProjectChargeOut(Schema):
    id: int
    project_id: int
    item_id: int
    item_name: str
    unit_price: Decimal | None
    price: Decimal
    scope: ItemScope
    active: bool

    @staticmethod
    def resolve_item_name(obj) -> str:
        return obj.item.name


class ProjectChargeIn(Schema):
    project_id: RefId
    item_id: RefId
    unit_price: Price | None = None
    scope: ItemScope = ItemScope.ALL_UNITS
    active: bool = True


class ProjectChargePatch(Schema):
    unit_price: Price | None = None
    scope: ItemScope | None = None
    active: bool | None = None


class ProjectChargeFilter(FilterSchema):
    project_id: RefId | None = None
    item_id: RefId | None = None
    active: bool | None = None


register_crud(
    router,
    name="project_charge",
    plural="project-charges",
    model=ProjectCharge,
    out=ProjectChargeOut,
    create_in=ProjectChargeIn,
    update_in=ProjectChargePatch,
    filters=ProjectChargeFilter,
    orderings=["project_id", "item_id"],
    view_perm=Perm.VIEW_BILLING,
    create=services.project_charge_create,
    update=services.project_charge_update,
    delete=services.project_charge_delete,
    select_related=("item",),
)


# Units registered for a charge (parking …) ---------------------------------------------------------


class UnitChargeOut(Schema):
    id: int
    project_id: int
    unit_id: int
    item_id: int
    unit_price: Decimal | None
    note: str


class UnitChargeIn(Schema):
    unit_id: RefId
    item_id: RefId
    unit_price: Price | None = None
    note: str = Field("", max_length=100)


class UnitChargeFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    item_id: RefId | None = None


register_crud(
    router,
    name="unit_charge",
    plural="unit-charges",
    model=UnitCharge,
    out=UnitChargeOut,
    create_in=UnitChargeIn,
    update_in=None,
    filters=UnitChargeFilter,
    orderings=["unit_id", "item_id"],
    view_perm=Perm.VIEW_BILLING,
    create=services.unit_charge_create,
    update=None,
    delete=services.unit_charge_delete,
)


# Meter readings -----------------------------------------------------------------------------------


class ReadingOut(Schema):
    id: int
    project_id: int
    unit_id: int
    item_id: int
    period: str
    reading: Decimal
    previous: Decimal
    usage: Decimal
    read_on: datetime.date


class ReadingIn(Schema):
    unit_id: RefId
    item_id: RefId
    period: Period
    reading: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    read_on: datetime.date | None = None


class ReadingFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    item_id: RefId | None = None
    period: Period | None = None


register_crud(
    router,
    name="meter_reading",
    plural="meter-readings",
    model=MeterReading,
    out=ReadingOut,
    create_in=ReadingIn,
    update_in=None,
    filters=ReadingFilter,
    orderings=["period", "unit_id"],
    view_perm=Perm.VIEW_BILLING,
    create=services.reading_record,
    update=None,
    delete=services.reading_delete,
)


# Bills --------------------------------------------------------------------------------------------


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
    status: BillStatus
    due_on: datetime.date
    issued_at: datetime.datetime

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


class BillDetailOut(BillOut):
    lines: list[LineOut]
    entries: list[EntryOut]

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


# Payments -----------------------------------------------------------------------------------------


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


# Refunds and adjustments --------------------------------------------------------------------------


class CorrectionOut(Schema):
    id: int
    project_id: int
    unit_id: int
    kind: CorrectionKind
    bill_id: int | None
    payment_id: int | None
    amount: Decimal
    reason: str
    status: CorrectionStatus
    requested_by_id: int | None
    requested_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    decision_note: str


class RefundIn(Schema):
    payment_id: RefId
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    reason: str = Field(..., min_length=1, max_length=200)


class AdjustmentIn(Schema):
    bill_id: RefId
    amount: Money = Field(..., description="Negative waives, positive adds to the bill")
    reason: str = Field(..., min_length=1, max_length=200)


class DecisionIn(Schema):
    note: Text = ""


class CorrectionFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    kind: CorrectionKind | None = None
    status: CorrectionStatus | None = None


def _corrections(request):
    require(request.user, Perm.VIEW_BILLING)
    return Correction.objects.visible_to(request.user)


@router.get(
    "/corrections",
    response={200: list[CorrectionOut], **ERROR_RESPONSES},
    operation_id="correction_list",
    summary="List refund and adjustment requests",
)
@paginate(Pagination)
def correction_list(request, filters: CorrectionFilter = Query(...)):
    return filters.filter(_corrections(request)).order_by("-requested_at", "-id")


@router.get(
    "/corrections/{int:pk}",
    response={200: CorrectionOut, **ERROR_RESPONSES},
    operation_id="correction_get",
    summary="Get a refund or adjustment request",
)
def correction_get(request, pk: int):
    return visible_or_404(_corrections(request), pk, request.user)


@router.post(
    "/refunds",
    response={201: CorrectionOut, **ERROR_RESPONSES},
    operation_id="refund_request",
    summary="Ask for a refund of a payment",
)
def refund_request(request, payload: RefundIn):
    """422 on ``amount`` when it exceeds what the payment still has to refund. Another person approves."""
    data = {**payload.model_dump(), "kind": CorrectionKind.REFUND}
    return 201, services.correction_request(actor=request.user, data=data)


@router.post(
    "/adjustments",
    response={201: CorrectionOut, **ERROR_RESPONSES},
    operation_id="adjustment_request",
    summary="Ask for an adjustment of a bill",
)
def adjustment_request(request, payload: AdjustmentIn):
    data = {**payload.model_dump(), "kind": CorrectionKind.ADJUSTMENT}
    return 201, services.correction_request(actor=request.user, data=data)


@router.post(
    "/corrections/{int:pk}/approve",
    response={200: CorrectionOut, **ERROR_RESPONSES},
    operation_id="correction_approve",
    summary="Approve a refund or adjustment (not by the one who asked)",
)
def correction_approve(request, pk: int, payload: DecisionIn):
    correction = visible_or_404(_corrections(request), pk, request.user)
    return services.correction_decide(
        actor=request.user, correction=correction, approve=True, note=payload.note
    )


@router.post(
    "/corrections/{int:pk}/reject",
    response={200: CorrectionOut, **ERROR_RESPONSES},
    operation_id="correction_reject",
    summary="Reject a refund or adjustment",
)
def correction_reject(request, pk: int, payload: DecisionIn):
    correction = visible_or_404(_corrections(request), pk, request.user)
    return services.correction_decide(
        actor=request.user, correction=correction, approve=False, note=payload.note
    )


# Door-to-door collection --------------------------------------------------------------------------


class VisitOut(Schema):
    id: int
    project_id: int
    unit_id: int
    collector_id: int
    visit_at: datetime.datetime
    status: VisitStatus
    note: str
    payment_id: int | None


class VisitIn(Schema):
    unit_id: RefId
    collector_id: RefId
    visit_at: datetime.datetime
    note: Text = ""


class VisitCloseIn(Schema):
    status: VisitStatus
    note: Text = ""
    payment_id: RefId | None = None


class VisitFilter(FilterSchema):
    project_id: RefId | None = None
    unit_id: RefId | None = None
    collector_id: RefId | None = None
    status: VisitStatus | None = None
    visit_at__gte: datetime.datetime | None = None
    visit_at__lt: datetime.datetime | None = None


register_crud(
    router,
    name="collection_visit",
    plural="collection-visits",
    model=CollectionVisit,
    out=VisitOut,
    create_in=VisitIn,
    update_in=None,
    filters=VisitFilter,
    orderings=["visit_at"],
    view_perm=Perm.VIEW_BILLING,
    create=services.visit_book,
    update=None,
    delete=None,
)


@router.post(
    "/collection-visits/{int:pk}/close",
    response={200: VisitOut, **ERROR_RESPONSES},
    operation_id="collection_visit_close",
    summary="Record a door-to-door visit as done, missed or cancelled",
)
def visit_close(request, pk: int, payload: VisitCloseIn):
    require(request.user, Perm.VIEW_BILLING)
    visit = visible_or_404(CollectionVisit.objects, pk, request.user)
    return services.visit_close(actor=request.user, visit=visit, **payload.model_dump())


# Figures ------------------------------------------------------------------------------------------


class ArrearsOut(Schema):
    unit_id: int
    unit: str
    project_id: int
    project_name: str
    total: Decimal
    d30: Decimal = Field(..., description="1–30 days past due")
    d90: Decimal = Field(..., description="31–90 days past due")
    d180: Decimal = Field(..., description="91–180 days past due")
    older: Decimal = Field(..., description="more than 180 days past due")


class ArrearsQuery(Schema):
    project_id: RefId | None = None
    on: datetime.date | None = None


@router.get(
    "/billing/arrears",
    response={200: list[ArrearsOut], **ERROR_RESPONSES},
    operation_id="billing_arrears",
    summary="Arrears per unit with their ageing",
)
@paginate(Pagination, shape=selectors.shape_arrears)
def arrears(request, query: ArrearsQuery = Query(...)):
    """Units owing on bills past their due date (as of ``on``, default today), largest first."""
    require(request.user, Perm.VIEW_BILLING)
    return selectors.arrears(
        request.user, today=query.on or timezone.localdate(), project_id=query.project_id
    )


class CollectionOut(Schema):
    project_id: int
    project_name: str
    period: str
    billed: Decimal
    collected: Decimal
    outstanding: Decimal
    rate: Decimal | None = Field(..., description="collected ÷ billed, in per cent")


class CollectionQuery(Schema):
    period_from: Period | None = Field(None, description="Default: January of this year")
    period_to: Period | None = Field(None, description="Default: this month")
    project_id: RefId | None = None


@router.get(
    "/billing/collection-rate",
    response={200: list[CollectionOut], **ERROR_RESPONSES},
    operation_id="billing_collection_rate",
    summary="Collection rate (收缴率) per project and period",
)
def collection_rate(request, query: CollectionQuery = Query(...)):
    require(request.user, Perm.VIEW_BILLING)
    month = services.current_period()
    rows = selectors.collection(
        request.user,
        period_from=query.period_from or f"{month[:4]}-01",
        period_to=query.period_to or month,
        project_id=query.project_id,
    )
    return [{**row, "project_name": row["project__name"]} for row in rows]


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
    from guanjia.estates.models import Unit

    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_BILLING)
    unit = visible_or_404(Unit.objects, pk, request.user)
    entries = list(LedgerEntry.objects.filter(unit=unit).order_by("time", "id")[:1000])
    return {"unit_id": unit.pk, **selectors.unit_balance(unit.pk), "entries": entries}
