"""REST resources of the stores under /api/v1/stores/: items, stores, stock (with levels),
movements (receive, issue, return, transfer), stock-takes and purchase requests (approve, reject,
order, receive). Every write goes through ``services``; every read through ``visible_to``."""

import datetime
from decimal import Decimal
from typing import Annotated

from django.db.models import F, Q
from ninja import Field, FilterLookup, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema, ordered, register_crud
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.stores import selectors, services
from guanjia.stores.choices import ItemKind, MovementKind, PurchaseSource, PurchaseStatus, StockTakeStatus
from guanjia.stores.models import Movement, PurchaseRequest, Stock, StockItem, StockTake, Store

router = Router(tags=["stores"])

Quantity = Annotated[Decimal, Field(gt=0, le=9999999, decimal_places=2)]
Amount = Annotated[Decimal, Field(ge=0, le=9999999, decimal_places=2)]


# Items -------------------------------------------------------------------------------------------


class StockItemOut(Schema):
    id: int
    code: str
    name: str
    kind: ItemKind
    unit: str
    spec: str
    is_active: bool


class StockItemIn(Schema):
    code: str = Field(..., min_length=1, max_length=30)
    name: str = Field(..., min_length=1, max_length=80)
    kind: ItemKind = ItemKind.SPARE_PART
    unit: str = Field(..., min_length=1, max_length=10)
    spec: str = Field("", max_length=80)
    is_active: bool = True


class StockItemPatch(Schema):
    code: str = Field(None, min_length=1, max_length=30)
    name: str = Field(None, min_length=1, max_length=80)
    kind: ItemKind = None
    unit: str = Field(None, min_length=1, max_length=10)
    spec: str = Field(None, max_length=80)
    is_active: bool = None


class StockItemFilter(FilterSchema):
    kind: ItemKind | None = None
    is_active: bool | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains", "code__icontains"])] = Field(
        None, max_length=60
    )


register_crud(
    router,
    name="stock_item",
    plural="stores/items",
    model=StockItem,
    out=StockItemOut,
    create_in=StockItemIn,
    update_in=StockItemPatch,
    filters=StockItemFilter,
    orderings=["code", "name"],
    view_perm=Perm.VIEW_STORES,
    create=services.item_create,
    update=lambda *, actor, stock_item, data: services.item_update(actor=actor, item=stock_item, data=data),
    delete=None,
)


# Stores ------------------------------------------------------------------------------------------


class StoreOut(Schema):
    id: int
    project_id: int | None = Field(..., description="empty: the company's central store")
    name: str
    keeper_id: int | None
    is_active: bool


class StoreIn(Schema):
    project_id: RefId | None = Field(None, description="empty: the central store (HQ only)")
    name: str = Field(..., min_length=1, max_length=60)
    keeper_id: RefId | None = None


class StorePatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    keeper_id: RefId | None = None
    is_active: bool = None


class StoreFilter(FilterSchema):
    project_id: RefId | None = None
    is_active: bool | None = None


register_crud(
    router,
    name="store",
    plural="stores/stores",
    model=Store,
    out=StoreOut,
    create_in=StoreIn,
    update_in=StorePatch,
    filters=StoreFilter,
    orderings=["name"],
    view_perm=Perm.VIEW_STORES,
    create=services.store_create,
    update=services.store_update,
    delete=None,
)


# Stock -------------------------------------------------------------------------------------------


class StockOut(Schema):
    id: int
    store_id: int
    store_name: str = Field(..., alias="store.name")
    item_id: int
    item_code: str = Field(..., alias="item.code")
    item_name: str = Field(..., alias="item.name")
    unit: str = Field(..., alias="item.unit")
    project_id: int | None
    on_hand: Decimal
    avg_cost: Decimal
    value: Decimal
    min_level: Decimal
    reorder_quantity: Decimal
    below_min: bool


class StockFilter(FilterSchema):
    store_id: RefId | None = None
    item_id: RefId | None = None
    project_id: RefId | None = None
    below_min: bool | None = None

    def filter_below_min(self, value):
        if value is None:
            return Q()
        low = Q(min_level__gt=0, on_hand__lt=F("min_level"))
        return low if value else ~low


class StockLevelIn(Schema):
    store_id: RefId
    item_id: RefId
    min_level: Amount
    reorder_quantity: Amount = Decimal("0")


def _stock(request):
    require(request.user, Perm.VIEW_STORES)
    return Stock.objects.visible_to(request.user).select_related("store", "item")


@router.get(
    "/stores/stock",
    response={200: list[StockOut], **ERROR_RESPONSES},
    operation_id="stores_stock_list",
    summary="Stock on hand per store and item",
)
@paginate(Pagination)
def stock_list(request, filters: StockFilter = Query(...), ordering: str | None = None):
    """What each store holds of each item, its average cost and minimum level."""
    return ordered(filters.filter(_stock(request)), ordering, ["on_hand", "item__code", "store__name"])


@router.post(
    "/stores/stock/levels",
    response={200: StockOut, **ERROR_RESPONSES},
    operation_id="stores_stock_levels",
    summary="Set an item's minimum level in a store",
)
def stock_levels(request, payload: StockLevelIn):
    """A level above what is there raises the purchase request at once."""
    stock = services.stock_set_levels(actor=request.user, data=payload.dict())
    return visible_or_404(_stock(request), stock.pk, request.user)


# Movements ---------------------------------------------------------------------------------------


class MovementOut(Schema):
    id: int
    store_id: int
    item_id: int
    item_name: str = Field(..., alias="item.name")
    project_id: int | None
    kind: MovementKind
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    on_hand_after: Decimal
    moved_at: datetime.datetime
    moved_by_id: int | None
    ticket_id: int | None
    task_id: int | None
    issue_id: int | None
    other_store_id: int | None
    purchase_id: int | None
    stocktake_id: int | None
    note: str


class MovementFilter(FilterSchema):
    store_id: RefId | None = None
    item_id: RefId | None = None
    project_id: RefId | None = None
    ticket_id: RefId | None = None
    task_id: RefId | None = None
    kind: MovementKind | None = None
    since: Annotated[datetime.date | None, FilterLookup("moved_at__date__gte")] = None
    until: Annotated[datetime.date | None, FilterLookup("moved_at__date__lte")] = None


@router.get(
    "/stores/movements",
    response={200: list[MovementOut], **ERROR_RESPONSES},
    operation_id="stores_movement_list",
    summary="The stock ledger",
)
@paginate(Pagination)
def movement_list(request, filters: MovementFilter = Query(...)):
    """Every movement, newest first; never changed once written."""
    require(request.user, Perm.VIEW_STORES)
    return filters.filter(Movement.objects.visible_to(request.user).select_related("item"))


def _movement(request, pk):
    return visible_or_404(Movement.objects.select_related("item"), pk, request.user)


class StockReceiveIn(Schema):
    store_id: RefId
    item_id: RefId
    quantity: Quantity
    unit_cost: Amount
    note: str = Field("", max_length=200)


class StockIssueIn(Schema):
    store_id: RefId
    item_id: RefId
    quantity: Quantity
    ticket_id: RefId | None = Field(None, description="the repair request the parts are for")
    task_id: RefId | None = Field(None, description="or the planned maintenance task")
    note: str = Field("", max_length=200)


class StockReturnIn(Schema):
    issue_id: RefId
    quantity: Quantity
    note: str = Field("", max_length=200)


class StockTransferIn(Schema):
    store_id: RefId
    to_store_id: RefId
    item_id: RefId
    quantity: Quantity
    note: str = Field("", max_length=200)


@router.post(
    "/stores/movements/receive",
    response={201: MovementOut, **ERROR_RESPONSES},
    operation_id="stores_receive",
    summary="Goods received into a store",
)
def receive(request, payload: StockReceiveIn):
    return 201, _movement(request, services.movement_receive(actor=request.user, data=payload.dict()).pk)


@router.post(
    "/stores/movements/issue",
    response={201: MovementOut, **ERROR_RESPONSES},
    operation_id="stores_issue",
    summary="Issue parts to a repair request or maintenance task",
)
def issue(request, payload: StockIssueIn):
    """Never more than the store holds (422 on ``quantity``); the request's material line is written."""
    return 201, _movement(request, services.movement_issue(actor=request.user, data=payload.dict()).pk)


@router.post(
    "/stores/movements/return",
    response={201: MovementOut, **ERROR_RESPONSES},
    operation_id="stores_return",
    summary="Return unused parts of an issue",
)
def return_(request, payload: StockReturnIn):
    return 201, _movement(request, services.movement_return(actor=request.user, data=payload.dict()).pk)


@router.post(
    "/stores/movements/transfer",
    response={201: list[MovementOut], **ERROR_RESPONSES},
    operation_id="stores_transfer",
    summary="Transfer stock between stores",
)
def transfer(request, payload: StockTransferIn):
    out, into = services.movement_transfer(actor=request.user, data=payload.dict())
    return 201, [_movement(request, out.pk), _movement(request, into.pk)]


# Stock-takes -------------------------------------------------------------------------------------


class StockTakeLineOut(Schema):
    item_id: int
    item_name: str = Field(..., alias="item.name")
    book: Decimal
    counted: Decimal | None
    difference: Decimal | None
    reason: str


class StockTakeOut(Schema):
    id: int
    store_id: int
    project_id: int | None
    status: StockTakeStatus
    counted_by_id: int | None
    started_at: datetime.datetime
    submitted_at: datetime.datetime | None
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    decision_note: str
    lines: list[StockTakeLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("item").order_by("item_id"))


class StockTakeStartIn(Schema):
    store_id: RefId


class StockTakeCountIn(Schema):
    item_id: RefId
    counted: Amount
    reason: str = Field("", max_length=200)


class StockTakeDecisionIn(Schema):
    note: str = Field("", max_length=200)


def _stocktake(request, pk):
    require(request.user, Perm.VIEW_STORES)
    return visible_or_404(StockTake.objects, pk, request.user)


@router.get(
    "/stores/stocktakes/{int:pk}",
    response={200: StockTakeOut, **ERROR_RESPONSES},
    operation_id="stores_stocktake_get",
    summary="A stock-take with its lines",
)
def stocktake_get(request, pk: int):
    return _stocktake(request, pk)


@router.post(
    "/stores/stocktakes",
    response={201: StockTakeOut, **ERROR_RESPONSES},
    operation_id="stores_stocktake_start",
    summary="Start counting a store",
)
def stocktake_start(request, payload: StockTakeStartIn):
    take = services.stocktake_start(actor=request.user, store_id=payload.store_id)
    return 201, _stocktake(request, take.pk)


@router.post(
    "/stores/stocktakes/{int:pk}/count",
    response={200: StockTakeOut, **ERROR_RESPONSES},
    operation_id="stores_stocktake_count",
    summary="Enter a counted quantity",
)
def stocktake_count(request, pk: int, payload: StockTakeCountIn):
    services.stocktake_count(actor=request.user, stocktake=_stocktake(request, pk), **payload.dict())
    return _stocktake(request, pk)


@router.post(
    "/stores/stocktakes/{int:pk}/submit",
    response={200: StockTakeOut, **ERROR_RESPONSES},
    operation_id="stores_stocktake_submit",
    summary="Hand a count over for approval",
)
def stocktake_submit(request, pk: int):
    services.stocktake_submit(actor=request.user, stocktake=_stocktake(request, pk))
    return _stocktake(request, pk)


@router.post(
    "/stores/stocktakes/{int:pk}/approve",
    response={200: StockTakeOut, **ERROR_RESPONSES},
    operation_id="stores_stocktake_approve",
    summary="Approve a count (not the counter); differences post",
)
def stocktake_approve(request, pk: int, payload: StockTakeDecisionIn):
    services.stocktake_approve(actor=request.user, stocktake=_stocktake(request, pk), note=payload.note)
    return _stocktake(request, pk)


@router.post(
    "/stores/stocktakes/{int:pk}/reject",
    response={200: StockTakeOut, **ERROR_RESPONSES},
    operation_id="stores_stocktake_reject",
    summary="Send a count back",
)
def stocktake_reject(request, pk: int, payload: StockTakeDecisionIn):
    services.stocktake_reject(actor=request.user, stocktake=_stocktake(request, pk), note=payload.note)
    return _stocktake(request, pk)


# Purchase requests -------------------------------------------------------------------------------


class PurchaseOut(Schema):
    id: int
    store_id: int
    item_id: int
    item_name: str = Field(..., alias="item.name")
    project_id: int | None
    source: PurchaseSource
    ticket_id: int | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    reason: str
    status: PurchaseStatus
    raised_by_id: int | None
    raised_at: datetime.datetime
    due_at: datetime.datetime | None
    pm_approved_by_id: int | None
    hq_approved_by_id: int | None
    rejection_reason: str
    supplier_id: int | None
    order_price: Decimal | None
    ordered_at: datetime.datetime | None
    received_quantity: Decimal


class PurchaseIn(Schema):
    store_id: RefId
    item_id: RefId
    quantity: Quantity
    unit_price: Amount | None = Field(None, description="default: the store's average cost")
    ticket_id: RefId | None = None
    reason: str = Field("", max_length=200)


class PurchaseFilter(FilterSchema):
    store_id: RefId | None = None
    item_id: RefId | None = None
    project_id: RefId | None = None
    status: PurchaseStatus | None = None
    source: PurchaseSource | None = None


register_crud(
    router,
    name="purchase_request",
    plural="stores/purchases",
    model=PurchaseRequest,
    out=PurchaseOut,
    create_in=PurchaseIn,
    update_in=None,
    filters=PurchaseFilter,
    orderings=["raised_at", "amount", "due_at"],
    view_perm=Perm.VIEW_STORES,
    create=services.purchase_create,
    update=None,
    delete=None,
    select_related=("item",),
)


class PurchaseRejectIn(Schema):
    reason: str = Field(..., max_length=200)


class PurchaseOrderIn(Schema):
    supplier_id: RefId
    unit_price: Amount | None = None


class PurchaseReceiveIn(Schema):
    quantity: Quantity


def _purchase(request, pk):
    require(request.user, Perm.VIEW_STORES)
    return visible_or_404(PurchaseRequest.objects.select_related("item"), pk, request.user)


@router.post(
    "/stores/purchases/{int:pk}/approve",
    response={200: PurchaseOut, **ERROR_RESPONSES},
    operation_id="stores_purchase_approve",
    summary="Approve a purchase request at its stage",
)
def purchase_approve(request, pk: int):
    services.purchase_approve(actor=request.user, purchase=_purchase(request, pk))
    return _purchase(request, pk)


@router.post(
    "/stores/purchases/{int:pk}/reject",
    response={200: PurchaseOut, **ERROR_RESPONSES},
    operation_id="stores_purchase_reject",
    summary="Reject a purchase request with a reason",
)
def purchase_reject(request, pk: int, payload: PurchaseRejectIn):
    services.purchase_reject(actor=request.user, purchase=_purchase(request, pk), reason=payload.reason)
    return _purchase(request, pk)


@router.post(
    "/stores/purchases/{int:pk}/order",
    response={200: PurchaseOut, **ERROR_RESPONSES},
    operation_id="stores_purchase_order",
    summary="Order from a supplier",
)
def purchase_order(request, pk: int, payload: PurchaseOrderIn):
    services.purchase_order(actor=request.user, purchase=_purchase(request, pk), **payload.dict())
    return _purchase(request, pk)


@router.post(
    "/stores/purchases/{int:pk}/receive",
    response={200: PurchaseOut, **ERROR_RESPONSES},
    operation_id="stores_purchase_receive",
    summary="Receive (part of) an order into the store",
)
def purchase_receive(request, pk: int, payload: PurchaseReceiveIn):
    services.purchase_receive(actor=request.user, purchase=_purchase(request, pk), quantity=payload.quantity)
    return _purchase(request, pk)


@router.post(
    "/stores/purchases/{int:pk}/cancel",
    response={200: PurchaseOut, **ERROR_RESPONSES},
    operation_id="stores_purchase_cancel",
    summary="Withdraw a request not yet ordered",
)
def purchase_cancel(request, pk: int):
    services.purchase_cancel(actor=request.user, purchase=_purchase(request, pk))
    return _purchase(request, pk)


# Figures -----------------------------------------------------------------------------------------


class StoresMonthlySpendOut(Schema):
    project_id: int
    project_name: str
    month: str
    amount: Decimal


@router.get(
    "/stores/figures/monthly-spend",
    response={200: list[StoresMonthlySpendOut], **ERROR_RESPONSES},
    operation_id="stores_monthly_spend",
    summary="A project's monthly material spend",
)
def monthly_spend(request, year: int = Query(..., ge=2000, le=2100), project_id: RefId | None = None):
    """Issues to requests and maintenance tasks less their returns, at cost, per Shanghai month."""
    require(request.user, Perm.VIEW_STORES)
    return selectors.monthly_spend(request.user, year=year, project_id=project_id)


from guanjia.stores.policy_api import router as policy_router  # noqa: E402

router.add_router("", policy_router)
