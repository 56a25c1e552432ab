"""REST resources of online payment: a resident (or the desk) opens an order for chosen bills and
gets what the phone needs to pay (WeChat JSAPI parameters, an H5 or Alipay pay link, or a QR code's
content); the channel chooses the gateway (``jsapi``/``h5``/``native``: WeChat Pay,
``alipay_wap``/``alipay_qr``: Alipay). Orders can be
listed and read. Callbacks are not here: the gateway posts them to ``/payments/notify/…``."""

import datetime
from decimal import Decimal

from ninja import Field, Query, Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, ErrorOut, FilterSchema, Pagination, RefId, Schema, error_body
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.payments import config, gateway, services, wechat
from guanjia.payments.choices import OrderStatus, PayChannel, Provider
from guanjia.payments.models import PayOrder

router = Router(tags=["payments"])


class PayOrderBillOut(Schema):
    bill_id: int
    amount: Decimal


class PayOrderOut(Schema):
    id: int
    out_trade_no: str
    unit_id: int
    provider: Provider
    channel: PayChannel
    amount: Decimal
    status: OrderStatus
    expires_at: datetime.datetime
    code_url: str
    h5_url: str
    paid_at: datetime.datetime | None
    payment_id: int | None
    refund_due: bool
    bills: list[PayOrderBillOut]
    jsapi: dict | None = None

    @staticmethod
    def resolve_bills(obj):
        return list(obj.bills.order_by("bill_id"))


class PayOrderIn(Schema):
    bill_ids: list[RefId] = Field(..., min_length=1, max_length=24)
    channel: PayChannel


class PayOrderFilter(FilterSchema):
    status: OrderStatus | None = None
    unit_id: RefId | None = None


def _orders(request):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_BILLING)
    return PayOrder.objects.visible_to(request.user).prefetch_related("bills")


def _out(order: PayOrder) -> PayOrder:
    order.jsapi = None
    if order.status == OrderStatus.OPEN and order.channel == PayChannel.JSAPI and order.prepay_id:
        order.jsapi = wechat.jsapi_params(
            config.wechat_for(order.company_id, order.project_id), order.prepay_id
        )
    return order


@router.get(
    "/pay-orders",
    response={200: list[PayOrderOut], **ERROR_RESPONSES},
    operation_id="pay_order_list",
    summary="List online payment orders",
)
@paginate(Pagination)
def pay_order_list(request, filters: PayOrderFilter = Query(...)):
    return filters.filter(_orders(request)).order_by("-created_at", "-id")


@router.get(
    "/pay-orders/{int:pk}",
    response={200: PayOrderOut, **ERROR_RESPONSES},
    operation_id="pay_order_get",
    summary="Get an online payment order",
)
def pay_order_get(request, pk: int):
    return _out(visible_or_404(_orders(request), pk, request.user))


@router.post(
    "/pay-orders",
    response={201: PayOrderOut, 502: ErrorOut, **ERROR_RESPONSES},
    operation_id="pay_order_open",
    summary="Open an order for bills of one unit (the amount is computed from the bills)",
)
def pay_order_open(request, payload: PayOrderIn):
    """422 naming ``bill_ids`` for a bill of another unit or company or one already paid; 409 when a
    bill is in another open order; 502 when the gateway refused (the order is closed again)."""
    try:
        order = services.order_open_and_start(
            actor=request.user, data=payload.model_dump(), client_ip=request.META.get("REMOTE_ADDR", "")
        )
    except gateway.GatewayError as exc:
        return 502, error_body(str(exc))
    return 201, _out(_orders(request).get(pk=order.pk))
