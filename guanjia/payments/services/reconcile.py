"""Daily reconciliation (对账): the gateway's trade bill of a day against the ledger, per merchant.

Three kinds of difference: money at the gateway that the ledger does not have, an online payment
in the ledger the gateway does not list, and amounts that differ. Each is one ``ReconDifference``
per day, merchant, transaction and kind, so running a day twice finds the same lines and changes
nothing. Finance resolves each line: posted (a paid order whose notice never came: asked from the
gateway and posted once, as a callback would), refund (money to give back: asked for through
billing's refund with a second person), or explained (a note).
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, service
from guanjia.payments import config, wechat
from guanjia.payments.choices import DiffKind, DiffResolution, NoticeOutcome, OrderStatus, Provider
from guanjia.payments.models import MerchantAccount, PayOrder, ReconDifference
from guanjia.payments.services import notices
from guanjia.payments.services.orders import _now


def _parse(text: str) -> dict[str, tuple[str, Decimal]]:
    """Successful trades of a WeChat Pay trade bill: transaction id → (out_trade_no, amount in 元)."""
    lines = text.splitlines()
    if not lines:
        return {}
    index = {name: i for i, name in enumerate(lines[0].split(","))}
    trades = {}
    for line in lines[1:]:
        if not line.startswith("`"):
            break  # the totals follow the rows
        fields = [field.lstrip("`") for field in line.split(",")]
        if fields[index["交易状态"]] != "SUCCESS":
            continue
        try:
            amount = Decimal(fields[index["订单金额"]])
        except InvalidOperation:
            raise wechat.GatewayError("unreadable trade bill amount") from None
        trades[fields[index["微信订单号"]]] = (fields[index["商户订单号"]], amount)
    return trades


def trade_bill(cfg: config.WechatConfig, day: datetime.date) -> dict[str, tuple[str, Decimal]]:
    pay = wechat.client(cfg)
    code, body = wechat._call(pay.trade_bill, bill_date=day.isoformat())
    if code != 200:
        raise wechat._fail(code, body)
    try:
        code, content = pay.download_bill(body["download_url"])
        text = gzip.decompress(content).decode("utf-8-sig")
    except Exception as exc:
        raise wechat.GatewayError(f"trade bill download: {exc}"[:200]) from exc
    if hashlib.sha1(text.encode()).hexdigest() != body.get("hash_value"):  # noqa: S324  (WeChat's digest)
        raise wechat.GatewayError("trade bill digest does not match")
    return _parse(text)


def _configs(company_id: int) -> list[config.WechatConfig]:
    accounts = MerchantAccount.objects.filter(company_id=company_id, provider=Provider.WECHAT, enabled=True)
    found = {cfg.mchid: cfg for cfg in map(config.from_account, accounts)}
    env = config._from_env()
    if not found and env is not None:
        found[env.mchid] = env
    return list(found.values())


@service
def _record(
    *, company_id: int, mchid: str, day, kind: str, txn: str, out_trade_no: str, gateway, ledger
) -> bool:
    if ReconDifference.objects.filter(
        company_id=company_id, provider=Provider.WECHAT, mchid=mchid, day=day, transaction_id=txn, kind=kind
    ).exists():
        return False
    try:
        with transaction.atomic():
            ReconDifference.objects.create(
                company_id=company_id,
                mchid=mchid,
                day=day,
                kind=kind,
                transaction_id=txn[:64],
                out_trade_no=out_trade_no[:32],
                gateway_amount=gateway,
                ledger_amount=ledger,
            )
    except IntegrityError:  # the job and a person at once: the other one wrote it
        return False
    return True


def reconcile_day(*, company_id: int, day: datetime.date) -> dict:
    """Compare a Shanghai day's trade bill of each of the company's merchants with the ledger."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    end = start + datetime.timedelta(days=1)
    counts = dict.fromkeys(DiffKind.values, 0)
    for cfg in _configs(company_id):
        gateway = trade_bill(cfg, day)
        ledger = {
            o.transaction_id: (o.out_trade_no, o.payment.amount)
            for o in PayOrder.objects.filter(
                company_id=company_id,
                mchid=cfg.mchid,
                status=OrderStatus.PAID,
                paid_at__gte=start,
                paid_at__lt=end,
            ).select_related("payment")
        }
        for txn in sorted(set(gateway) | set(ledger)):
            at_gateway, in_ledger = gateway.get(txn), ledger.get(txn)
            if at_gateway and in_ledger and at_gateway[1] == in_ledger[1]:
                continue
            kind = (
                DiffKind.AMOUNT
                if at_gateway and in_ledger
                else (DiffKind.GATEWAY_ONLY if at_gateway else DiffKind.LEDGER_ONLY)
            )
            counts[kind] += _record(
                company_id=company_id,
                mchid=cfg.mchid,
                day=day,
                kind=kind,
                txn=txn,
                out_trade_no=(at_gateway or in_ledger)[0],
                gateway=at_gateway[1] if at_gateway else None,
                ledger=in_ledger[1] if in_ledger else None,
            )
    return counts


def reconcile_yesterday() -> int:
    """The daily job: yesterday (a Shanghai day) for every company with a merchant."""
    day = timezone.localdate(_now()) - datetime.timedelta(days=1)
    companies = set(MerchantAccount.objects.filter(enabled=True).values_list("company_id", flat=True))
    found = 0
    for company_id in sorted(companies):
        try:
            found += sum(reconcile_day(company_id=company_id, day=day).values())
        except wechat.GatewayError:
            continue  # the bill is not ready yet or the gateway is away: the next run catches up
    return found


@service
def _resolve(*, actor, difference: ReconDifference, resolution: str, note: str) -> ReconDifference:
    difference = lock(difference)
    if difference.resolution:
        raise Conflict(_("该差异已处理：%(r)s") % {"r": difference.get_resolution_display()})
    difference.resolution = resolution
    difference.note = note[:200]
    difference.resolved_by = actor
    difference.resolved_at = _now()
    difference.save()
    return difference


def difference_resolve(
    *, actor, difference: ReconDifference, resolution: str, note: str = ""
) -> ReconDifference:
    """Finance resolves a line. ``posted``: money at the gateway with our order — asked from the
    gateway and posted exactly once; ``refund`` and ``explained`` need a note."""
    require(actor, Perm.APPROVE_BILLING)
    note = (note or "").strip()
    if resolution not in DiffResolution.values:
        raise ValidationError({"resolution": _("请选择处理方式")})
    if difference.resolution:
        raise Conflict(_("该差异已处理：%(r)s") % {"r": difference.get_resolution_display()})
    if resolution != DiffResolution.POSTED and not note:
        raise ValidationError({"note": _("请填写说明")})
    if resolution == DiffResolution.POSTED:
        if difference.kind != DiffKind.GATEWAY_ONLY:
            raise ValidationError({"resolution": _("只有渠道有、账上无的款项可以补入账")})
        cfg = next((c for c in _configs(difference.company_id) if c.mchid == difference.mchid), None)
        answer = wechat.query(cfg, difference.out_trade_no) if cfg and difference.out_trade_no else None
        if not answer or answer.get("transaction_id") != difference.transaction_id:
            raise ValidationError({"resolution": _("支付渠道查不到这笔订单，请退款或说明")})
        outcome, _order = notices.transaction_apply(
            company_id=difference.company_id, txn=answer, kind="reconcile"
        )
        if outcome not in (NoticeOutcome.POSTED, NoticeOutcome.LATE, NoticeOutcome.DUPLICATE):
            raise ValidationError({"resolution": _("未能入账：%(o)s") % {"o": NoticeOutcome(outcome).label}})
    return _resolve(actor=actor, difference=difference, resolution=resolution, note=note)
