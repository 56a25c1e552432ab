"""Orders: a resident (or the desk) chooses open bills of one unit; the amount is what those bills
owe now, computed here; the order holds its bills (a bill in another open order is 409) until it is
paid or closed. Opening at the gateway happens after the order is saved, outside the transaction;
an order the gateway refused is closed at once and its bills are free again.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import selectors as billing_selectors
from guanjia.billing.models import Bill
from guanjia.billing.selectors import HALF_CENT, q2
from guanjia.billing.services import common as billing_common
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import Company
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, service
from guanjia.estates.models import Project, Unit
from guanjia.estates.selectors import occupancy_allows
from guanjia.notifications.models import ChannelAddress
from guanjia.payments import config, gateway
from guanjia.payments.choices import CHANNEL_PROVIDER, DESK_CHANNEL, OrderStatus, PayChannel, Provider
from guanjia.payments.models import PayOrder, PayOrderBill

MAX_BILLS = 24
ORDER_FIELDS = {"bill_ids", "channel", "unit_id"}


def _now() -> datetime.datetime:
    """The present: billing's seam, so one patch moves both apps' clocks in tests."""
    return billing_common._now()


def _out_trade_no(company: Company) -> str:
    stamp = timezone.localtime(_now()).strftime("%y%m%d%H%M%S")
    return f"{company.short_code}{stamp}{secrets.token_hex(5).upper()}"[:32]


def _bill_ids(value) -> list[int]:
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError({"bill_ids": _("请选择要缴的账单")})
    if len(value) > MAX_BILLS:
        raise ValidationError({"bill_ids": _("一次最多缴 %(n)s 张账单") % {"n": MAX_BILLS}})
    try:
        ids = sorted({int(v) for v in value})
    except (TypeError, ValueError):
        raise ValidationError({"bill_ids": _("账单编号无效")}) from None
    if any(not 0 < i < 2**63 for i in ids):
        raise ValidationError({"bill_ids": _("账单编号无效")})
    return ids


def _openid(user) -> str:
    row = ChannelAddress.objects.filter(user=user, channel="wechat").first()
    return row.address if row else ""


@service
def order_open(*, actor, data: dict) -> PayOrder:
    """Open an order for bills of one unit (``bill_ids``) paid by ``channel`` (its gateway follows
    from it). Residents pay for units they may pay for; the desk (``billing.post_payment``) opens a
    QR order (WeChat Native or Alipay precreate). The amount
    is what the bills owe now; they are held by this order until it is paid or closed."""
    unknown = set(data) - ORDER_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    channel = data.get("channel")
    if channel not in PayChannel.values:
        raise ValidationError({"channel": _("请选择支付方式")})
    scope = scope_for(actor)
    if not scope.is_resident:
        require(actor, Perm.POST_PAYMENT)
        if channel not in DESK_CHANNEL.values():
            raise ValidationError({"channel": _("前台只能生成扫码支付")})
    ids = _bill_ids(data.get("bill_ids"))
    bills = list(Bill.objects.visible_to(actor).filter(pk__in=ids))
    missing = sorted(set(ids) - {b.pk for b in bills})
    if missing:
        raise ValidationError({"bill_ids": _("账单 #%(ids)s 不存在") % {"ids": ", ".join(map(str, missing))}})
    unit_ids = {b.unit_id for b in bills}
    if len(unit_ids) != 1:
        raise ValidationError({"bill_ids": _("一笔订单只能缴同一房屋的账单")})
    unit_id = unit_ids.pop()
    if data.get("unit_id") not in (None, "", unit_id) and str(data.get("unit_id")) != str(unit_id):
        raise ValidationError({"unit_id": _("账单不属于该房屋")})
    unit = lock(Unit(pk=unit_id))  # serialises two orders (and a cashier) for the same unit
    if scope.is_resident and not occupancy_allows(scope.resident_id, unit, "pay"):
        raise NotAllowed(_("您没有为该房屋缴费的权限"))
    held = list(
        PayOrderBill.objects.filter(bill_id__in=ids, held=True)
        .values_list("bill_id", flat=True)
        .order_by("bill_id")
    )
    if held:
        raise Conflict(
            _("账单 #%(ids)s 已在另一笔待支付订单中，请稍后再试") % {"ids": ", ".join(map(str, held))}
        )
    owed = {b.pk: q2(b.outstanding) for b in billing_selectors.with_amounts(Bill.objects.filter(pk__in=ids))}
    settled = [str(pk) for pk, amount in sorted(owed.items()) if amount < HALF_CENT]
    if settled:
        raise ValidationError({"bill_ids": _("账单 #%(ids)s 已结清") % {"ids": ", ".join(settled)}})
    provider = CHANNEL_PROVIDER[PayChannel(channel)]
    cfg = config.config_for(provider, unit.company_id, unit.project_id)
    if cfg is None:
        raise ValidationError(
            {"channel": _("本项目尚未开通%(gateway)s") % {"gateway": Provider(provider).label}}
        )
    if channel == PayChannel.JSAPI and not _openid(actor):
        raise ValidationError({"channel": _("您的账号尚未绑定微信，请在微信中打开或改用其他支付方式")})
    now = _now()
    company = Company.objects.get(pk=unit.company_id)
    order = PayOrder(
        company=company,
        project_id=unit.project_id,
        unit=unit,
        provider=provider,
        channel=channel,
        out_trade_no=_out_trade_no(company),
        amount=sum(owed.values(), q2(0)),
        account_id=cfg.account_id,
        mchid=cfg.mchid,
        appid=cfg.appid,
        created_by=actor,
        expires_at=now + datetime.timedelta(minutes=settings.GUANJIA_PAYMENTS_ORDER_MINUTES),
    )
    try:
        with transaction.atomic():
            order.save()
            PayOrderBill.objects.bulk_create(
                PayOrderBill(order=order, bill_id=pk, amount=amount) for pk, amount in sorted(owed.items())
            )
    except IntegrityError as exc:  # the same bill held by another order at this very moment
        raise Conflict(_("账单已在另一笔待支付订单中，请稍后再试")) from exc
    return order


def order_start(*, order: PayOrder, actor, client_ip: str = "") -> PayOrder:
    """Open the order at the gateway (outside any transaction: no row stays locked while the
    gateway answers). Refused or unreachable: the order is closed and its bills are free again."""
    unit = Unit.objects.select_related("building").get(pk=order.unit_id)
    project = Project.objects.get(pk=order.project_id)
    description = _("%(project)s %(unit)s 物业费") % {"project": project.name, "unit": unit}
    try:
        client, cfg = gateway.for_order(order)
        answer = client.start(
            cfg,
            order,
            notify_url=config.notify_url(order.company_id, order.project_id, order.provider),
            return_url=config.return_url(order.out_trade_no),
            description=description,
            openid=_openid(actor) if order.channel == PayChannel.JSAPI else "",
            client_ip=client_ip,
        )
    except gateway.GatewayError as exc:
        order_close(order=order, reason=_("支付渠道拒绝：%(e)s") % {"e": exc})
        raise
    return _record_prepay(order=order, answer=answer)


@service
def _record_prepay(*, order: PayOrder, answer: dict) -> PayOrder:
    order = lock(order)
    order.prepay_id = str(answer.get("prepay_id", ""))[:64]
    order.code_url = str(answer.get("code_url", ""))[:256]
    order.h5_url = str(answer.get("h5_url", ""))[:2048]
    order.save()
    return order


def order_open_and_start(*, actor, data: dict, client_ip: str = "") -> PayOrder:
    """What the pay page and the API call: the order saved (bills held), then opened at the gateway."""
    order = order_open(actor=actor, data=data)
    return order_start(order=order, actor=actor, client_ip=client_ip)


@service
def order_close(*, order: PayOrder, reason: str) -> bool:
    """Close an unpaid order and free its bills; False when it was no longer open (paid or closed)."""
    order = lock(order)
    if order.status != OrderStatus.OPEN:
        return False
    order.status = OrderStatus.CLOSED
    order.closed_at = _now()
    order.close_reason = reason[:100]
    order.save()
    PayOrderBill.objects.filter(order=order, held=True).update(held=False)
    return True


def bills_held(unit_id: int) -> list[tuple[int, str]]:
    """Billing's question (``hooks.on_held_online``): the unit's bills an open order holds."""
    return list(
        PayOrderBill.objects.filter(order__unit_id=unit_id, held=True, order__status=OrderStatus.OPEN)
        .order_by("bill_id")
        .values_list("bill_id", "order__out_trade_no")
    )
