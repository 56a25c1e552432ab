"""Online payment pages: the resident's pay page (/portal/pay/) and order page, the desk's QR code
(/payments/desk/: WeChat Native or Alipay), the order list, and the merchant settings. The pages
offer only the gateways configured for the units' projects. Thin: every write is a service call."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanjia.billing import selectors as billing_selectors
from guanjia.billing.models import Bill
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Unit, unit_order
from guanjia.estates.selectors import units_allowing
from guanjia.payments import config, gateway, services, wechat
from guanjia.payments.choices import DESK_CHANNEL, DiffResolution, OrderStatus, PayChannel, Provider
from guanjia.payments.forms import MerchantForm, OrderFilterForm
from guanjia.payments.models import MerchantAccount, PayOrder, PayOrderBill, ReconDifference
from guanjia.web.helpers import add_service_errors, console_view, style_form


def _open_bills(units):
    bills = (
        billing_selectors.with_amounts(Bill.objects.filter(unit__in=units))
        .filter(outstanding__gte=billing_selectors.HALF_CENT)
        .select_related("unit__building")
        .order_by("unit_id", "due_on", "period", "id")
    )
    bills = list(bills[:200])
    held = set(PayOrderBill.objects.filter(bill__in=bills, held=True).values_list("bill_id", flat=True))
    for bill in bills:
        bill.held = bill.pk in held
    return bills


def _is_phone(request) -> bool:
    agent = request.headers.get("User-Agent", "")
    return "Mobile" in agent or "Android" in agent or "iPhone" in agent


def _channel_for(request) -> str:
    """The WeChat Pay channel this browser can use."""
    if "MicroMessenger" in request.headers.get("User-Agent", ""):
        return PayChannel.JSAPI
    return PayChannel.H5 if _is_phone(request) else PayChannel.NATIVE


def _alipay_channel_for(request) -> str:
    return PayChannel.ALIPAY_WAP if _is_phone(request) else PayChannel.ALIPAY_QR


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _open(request, data: dict):
    """Open and start an order; on refusal a message and None (the page shows the form again)."""
    try:
        return services.order_open_and_start(actor=request.user, data=data, client_ip=_client_ip(request))
    except ValidationError as exc:
        for messages_ in exc.message_dict.values():
            for message in messages_:
                messages.error(request, message)
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    except gateway.GatewayError:
        messages.error(request, _("支付渠道暂时不可用，请稍后再试"))
    return None


def _resident_only(view):
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("payments:orders")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return console_view()(wrapper)


@_resident_only
@require_http_methods(["GET", "POST"])
def portal_pay(request):
    """Choose open bills of a unit you may pay for, then pay them in one order."""
    units = list(
        units_allowing(request.user, "pay").select_related("building", "project").order_by(*unit_order())
    )
    status = 200
    if request.method == "POST":
        data = {"bill_ids": request.POST.getlist("bill"), "channel": request.POST.get("channel") or ""}
        order = _open(request, data)
        if order is not None:
            return redirect("payments:portal_order", no=order.out_trade_no)
        status = 422
    bills = _open_bills(units)
    for unit in units:
        unit.open_bills = [b for b in bills if b.unit_id == unit.pk]
    gateways = (
        config.configured(request.user.company_id, sorted({u.project_id for u in units})) if units else []
    )
    wechat_channel, alipay_channel = _channel_for(request), _alipay_channel_for(request)
    return render(
        request,
        "payments/portal_pay.html",
        {
            "title": _("在线缴费"),
            "units": units,
            "payable": any(not b.held for b in bills) and bool(gateways),  # nothing to pay: no button
            "wechat": Provider.WECHAT in gateways,
            "alipay": Provider.ALIPAY in gateways,
            "channel": wechat_channel if Provider.WECHAT in gateways else alipay_channel,
            "alipay_channel": alipay_channel,
            "channels": PayChannel,
        },
        status=status,
    )


def _order_context(order: PayOrder) -> dict:
    lines = list(order.bills.select_related("bill").order_by("bill__period", "bill_id"))
    context = {"order": order, "lines": lines, "title": _("支付订单")}
    if order.status == OrderStatus.OPEN and order.code_url:
        context["qr_svg"] = segno.make(order.code_url, error="m").svg_inline(scale=5)
    return context


@_resident_only
def portal_order(request, no: str):
    order = PayOrder.objects.visible_to(request.user).filter(out_trade_no=no).first()
    if order is None:
        raise Http404
    context = _order_context(order)
    if order.status == OrderStatus.OPEN and order.channel == PayChannel.JSAPI and order.prepay_id:
        cfg = config.wechat_for(order.company_id, order.project_id)
        context["jsapi"] = wechat.jsapi_params(cfg, order.prepay_id)
    return render(request, "payments/portal_order.html", context)


@_resident_only
def portal_order_status(request, no: str):
    order = PayOrder.objects.visible_to(request.user).filter(out_trade_no=no).first()
    if order is None:
        raise Http404
    return render(request, "payments/_order_status.html", {"order": order})


@console_view(Perm.VIEW_BILLING)
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    orders = PayOrder.objects.visible_to(request.user).select_related("unit__building", "payment")
    if form.is_valid():
        if form.cleaned_data["status"]:
            orders = orders.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["refund_due"]:
            orders = orders.filter(refund_due=True)
    return render(
        request,
        "payments/order_list.html",
        {"title": _("线上支付订单"), "orders": orders[:200], "filter_form": style_form(form)},
    )


@console_view(Perm.VIEW_BILLING)
def order_detail(request, pk: int):
    order = visible_or_404(PayOrder.objects, pk, request.user)
    context = _order_context(order)
    context["notices"] = order.notices.all()[:50]
    context["refunds"] = order.refunds.all()
    return render(request, "payments/order_detail.html", context)


@console_view(Perm.POST_PAYMENT)
@require_http_methods(["GET", "POST"])
def desk_native(request):
    """The desk shows a QR code (扫码付) for bills of a unit; the resident scans it with WeChat or
    Alipay, whichever the desk chose (only configured gateways are offered)."""
    units = Unit.objects.visible_to(request.user).select_related("building").order_by(*unit_order())
    unit = None
    unit_id = request.POST.get("unit") or request.GET.get("unit")
    if unit_id and str(unit_id).isdigit():
        unit = units.filter(pk=unit_id).first()
    status = 200
    if request.method == "POST":
        channel = request.POST.get("channel") or PayChannel.NATIVE
        order = _open(request, {"bill_ids": request.POST.getlist("bill"), "channel": channel})
        if order is not None:
            return redirect("payments:order", pk=order.pk)
        status = 422
    bills = _open_bills([unit]) if unit else []
    gateways = config.configured(unit.company_id, [unit.project_id]) if unit else []
    return render(
        request,
        "payments/desk.html",
        {
            "title": _("扫码收款"),
            "units": units[:500],
            "unit": unit,
            "bills": bills,
            "desk_channels": [(DESK_CHANNEL[p], Provider(p).label) for p in gateways],
        },
        status=status,
    )


@console_view(Perm.ADMIN)
@require_http_methods(["GET", "POST"])
def merchant_settings(request):
    account = MerchantAccount.objects.visible_to(request.user).filter(project__isnull=True).first()
    initial = {}
    if account:
        initial = {
            f: getattr(account, f)
            for f in (
                "enabled",
                "mchid",
                "appid",
                "cert_serial_no",
                "platform_public_key",
                "platform_public_key_id",
            )
        }
    form = MerchantForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.merchant_account_save(actor=request.user, data=form.cleaned_data, account=account)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。密钥不会再次显示。"))
                return redirect("payments:settings")
        status = 422
        form.data = form.data.copy()  # a refused form never echoes a secret back either
        form.data["private_key"] = form.data["apiv3_key"] = ""
    return render(
        request,
        "payments/settings.html",
        {
            "title": _("支付设置"),
            "form": style_form(form),
            "account": account,
            "secrets_set": bool(account and account.private_key and account.apiv3_key),
            "env_default": bool(config._from_env()),
            "may_change": user_can(request.user, Perm.ADMIN),
        },
        status=status,
    )


@console_view(Perm.VIEW_BILLING)
def reconciliation(request):
    """对账差异: the lines the daily reconciliation found; finance resolves the open ones."""
    rows = ReconDifference.objects.visible_to(request.user).select_related("resolved_by")
    show_all = request.GET.get("all") == "1"
    if not show_all:
        rows = rows.filter(resolution="")
    return render(
        request,
        "payments/reconciliation.html",
        {
            "title": _("对账差异"),
            "rows": rows[:300],
            "show_all": show_all,
            "resolutions": DiffResolution.choices,
            "may_resolve": user_can(request.user, Perm.APPROVE_BILLING),
        },
    )


@console_view(Perm.APPROVE_BILLING)
@require_http_methods(["POST"])
def reconciliation_resolve(request, pk: int):
    difference = visible_or_404(ReconDifference.objects, pk, request.user)
    try:
        services.difference_resolve(
            actor=request.user,
            difference=difference,
            resolution=request.POST.get("resolution", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        for texts in exc.message_dict.values():
            for text in texts:
                messages.error(request, text)
    except Conflict as exc:
        messages.error(request, exc.message)
    except gateway.GatewayError:
        messages.error(request, _("支付渠道暂时不可用，请稍后再试"))
    else:
        messages.success(request, _("已处理"))
    return redirect("payments:reconciliation")
