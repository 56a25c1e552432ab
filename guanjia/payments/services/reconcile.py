"""Daily reconciliation (对账): each gateway's trade bill of a day against the ledger, per gateway
and merchant (WeChat Pay's ``/v3/bill/tradebill``, Alipay's trade bill zip).

Three kinds of difference for payments: money at the gateway that the ledger does not have, an
online payment in the ledger the gateway does not list, and amounts that differ; and the same three
for refunds (the bill's refund rows against the refunds approved in the ledger and sent, keyed by
our refund number). Each is one ``ReconDifference``
per day, merchant, transaction and kind, so running a day twice finds the same lines and changes
nothing. Finance resolves each line: posted (a paid order whose notice never came: asked from the
gateway and posted once, as a callback would), refund (money to give back: asked for through
billing's refund with a second person), or explained (a note).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.models import Company
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, service
from guanjia.payments import config, gateway
from guanjia.payments.choices import DiffKind, DiffResolution, NoticeOutcome, OrderStatus, Provider
from guanjia.payments.models import GatewayRefund, MerchantAccount, PayOrder, ReconDifference
from guanjia.payments.services import notices
from guanjia.payments.services.orders import _now


@service
def _record(
    *,
    company_id: int,
    provider: str,
    mchid: str,
    day,
    kind: str,
    txn: str,
    out_trade_no: str,
    at_gateway,
    ledger,
) -> bool:
    if ReconDifference.objects.filter(
        company_id=company_id, provider=provider, mchid=mchid, day=day, transaction_id=txn[:64], kind=kind
    ).exists():
        return False
    try:
        with transaction.atomic():
            ReconDifference.objects.create(
                company_id=company_id,
                provider=provider,
                mchid=mchid,
                day=day,
                kind=kind,
                transaction_id=txn[:64],
                out_trade_no=out_trade_no[:32],
                gateway_amount=at_gateway,
                ledger_amount=ledger,
            )
    except IntegrityError:  # the job and a person at once: the other one wrote it
        return False
    return True


_KINDS = {
    "payment": (DiffKind.GATEWAY_ONLY, DiffKind.LEDGER_ONLY, DiffKind.AMOUNT),
    "refund": (DiffKind.REFUND_GATEWAY_ONLY, DiffKind.REFUND_LEDGER_ONLY, DiffKind.REFUND_AMOUNT),
}


def _compare(
    *, company_id, provider, cfg, day, what: str, at_gateway: dict, ledger: dict, counts: dict
) -> None:
    only_gateway, only_ledger, amount = _KINDS[what]
    for key in sorted(set(at_gateway) | set(ledger)):
        theirs, ours = at_gateway.get(key), ledger.get(key)
        if theirs and ours and theirs[1] == ours[1]:
            continue
        kind = amount if theirs and ours else (only_gateway if theirs else only_ledger)
        counts[kind] += _record(
            company_id=company_id,
            provider=provider,
            mchid=cfg.mchid,
            day=day,
            kind=kind,
            txn=key,
            out_trade_no=(theirs or ours)[0],
            at_gateway=theirs[1] if theirs else None,
            ledger=ours[1] if ours else None,
        )


def reconcile_day(*, company_id: int, day: datetime.date, provider: str | None = None) -> dict:
    """Compare a Shanghai day's trade bill of each of the company's merchants (of one gateway, or
    of all) with the ledger: payments by the gateway's transaction id, refunds by our refund number.
    Returns how many new lines of each kind were found."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    end = start + datetime.timedelta(days=1)
    counts = dict.fromkeys(DiffKind.values, 0)
    for name in [provider] if provider else Provider.values:
        for cfg in config.company_configs(name, company_id):
            trades, refunds = gateway.client_of(name).trade_bill(cfg, day)
            paid = PayOrder.objects.filter(
                company_id=company_id,
                provider=name,
                mchid=cfg.mchid,
                status=OrderStatus.PAID,
                paid_at__gte=start,
                paid_at__lt=end,
            ).select_related("payment")
            ledger = {o.transaction_id: (o.out_trade_no, o.payment.amount) for o in paid}
            _compare(
                company_id=company_id,
                provider=name,
                cfg=cfg,
                day=day,
                what="payment",
                at_gateway=trades,
                ledger=ledger,
                counts=counts,
            )
            sent = GatewayRefund.objects.filter(
                company_id=company_id,
                order__provider=name,
                order__mchid=cfg.mchid,
                created_at__gte=start,
                created_at__lt=end,
            ).select_related("order")
            _compare(
                company_id=company_id,
                provider=name,
                cfg=cfg,
                day=day,
                what="refund",
                at_gateway=refunds,
                ledger={r.out_refund_no: (r.order.out_trade_no, r.amount) for r in sent},
                counts=counts,
            )
    return counts


def reconcile_yesterday() -> int:
    """The daily job: yesterday (a Shanghai day) for every company with a merchant."""
    day = timezone.localdate(_now()) - datetime.timedelta(days=1)
    companies = set(MerchantAccount.objects.filter(enabled=True).values_list("company_id", flat=True))
    if config._from_env() or config._alipay_from_env():  # a deployment-wide merchant serves every company
        companies |= set(Company.objects.values_list("pk", flat=True))
    found = 0
    for company_id in sorted(companies):
        for provider in Provider.values:
            try:
                found += sum(reconcile_day(company_id=company_id, day=day, provider=provider).values())
            except gateway.GatewayError:
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
        provider = difference.provider
        cfg = next(
            (
                c
                for c in config.company_configs(provider, difference.company_id)
                if c.mchid == difference.mchid
            ),
            None,
        )
        client = gateway.client_of(provider)
        answer = client.query(cfg, difference.out_trade_no) if cfg and difference.out_trade_no else None
        if not answer or answer.get("transaction_id") != difference.transaction_id:
            raise ValidationError({"resolution": _("支付渠道查不到这笔订单，请退款或说明")})
        outcome, _order = notices.transaction_apply(
            company_id=difference.company_id, txn=answer, kind="reconcile", provider=provider
        )
        if outcome not in (NoticeOutcome.POSTED, NoticeOutcome.LATE, NoticeOutcome.DUPLICATE):
            raise ValidationError({"resolution": _("未能入账：%(o)s") % {"o": NoticeOutcome(outcome).label}})
    return _resolve(actor=actor, difference=difference, resolution=resolution, note=note)
