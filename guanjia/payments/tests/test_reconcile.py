"""Daily reconciliation: the gateway's trade bill against the ledger, three kinds of difference,
running twice changes nothing, finance resolves each line (post, refund, explained)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.billing import services as billing
from guanjia.billing.models import Payment
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.payments import services
from guanjia.payments.choices import DiffKind
from guanjia.payments.models import GatewayRefund, ReconDifference
from guanjia.payments.tests.conftest import open_order

pytestmark = pytest.mark.django_db


def test_three_kinds_of_difference_found_once_and_resolved(pw):
    today = timezone.localdate()
    fine = open_order(pw, pw.bills[:1], channel="h5")
    changed = open_order(pw, pw.bills[1:], channel="h5")
    missing = open_order(pw, pw.other_bills[:1], channel="native", actor=pw.desk)
    unposted = open_order(pw, pw.other_bills[1:], channel="native", actor=pw.desk)
    for order in (fine, changed, missing):
        pw.gw.pay(order.out_trade_no)
    pw.gw.pay(unposted.out_trade_no, drop=True)  # paid at the gateway, its notice lost
    pw.gw.bill_amounts[changed.out_trade_no] = 22000  # the bill says 220.00, we posted 223.75
    pw.gw.bill_omit.add(missing.out_trade_no)  # the bill does not list a payment we posted
    assert Payment.objects.count() == 3

    counts = services.reconcile_day(company_id=pw.company.pk, day=today)
    assert counts == {**dict.fromkeys(DiffKind.values, 0), "gateway_only": 1, "ledger_only": 1, "amount": 1}
    assert services.reconcile_day(company_id=pw.company.pk, day=today) == dict.fromkeys(counts, 0)
    lines = {d.kind: d for d in ReconDifference.objects.all()}
    assert len(lines) == 3 == ReconDifference.objects.count()
    assert lines[DiffKind.GATEWAY_ONLY].out_trade_no == unposted.out_trade_no
    assert str(lines[DiffKind.AMOUNT].gateway_amount) == "220.00"
    assert str(lines[DiffKind.AMOUNT].ledger_amount) == "223.75"
    assert lines[DiffKind.LEDGER_ONLY].gateway_amount is None

    with pytest.raises(NotAllowed):
        services.difference_resolve(
            actor=pw.desk, difference=lines[DiffKind.AMOUNT], resolution="explained", note="x"
        )
    with pytest.raises(Exception) as exc:
        services.difference_resolve(
            actor=pw.manager, difference=lines[DiffKind.AMOUNT], resolution="explained"
        )
    assert "note" in exc.value.message_dict
    with pytest.raises(Exception) as exc:
        services.difference_resolve(actor=pw.manager, difference=lines[DiffKind.AMOUNT], resolution="posted")
    assert "resolution" in exc.value.message_dict

    services.difference_resolve(
        actor=pw.manager, difference=lines[DiffKind.GATEWAY_ONLY], resolution="posted"
    )
    assert Payment.objects.count() == 4
    unposted.refresh_from_db()
    assert unposted.status == "paid" and unposted.payment.amount == unposted.amount
    services.difference_resolve(
        actor=pw.manager, difference=lines[DiffKind.AMOUNT], resolution="explained", note="渠道手续费另计"
    )
    services.difference_resolve(
        actor=pw.manager, difference=lines[DiffKind.LEDGER_ONLY], resolution="refund", note="向业主核实后退款"
    )
    with pytest.raises(Conflict):
        services.difference_resolve(
            actor=pw.manager, difference=lines[DiffKind.LEDGER_ONLY], resolution="explained", note="x"
        )
    assert not ReconDifference.objects.filter(resolution="").exists()
    # Running the day again (the job late, or twice) changes nothing.
    assert services.reconcile_day(company_id=pw.company.pk, day=today) == dict.fromkeys(counts, 0)
    assert ReconDifference.objects.count() == 3


def test_finance_resolves_on_the_page_and_others_cannot_see_the_lines(pw):
    order = open_order(pw, pw.bills, channel="h5")
    pw.gw.pay(order.out_trade_no)
    pw.gw.bill_amounts[order.out_trade_no] = 1
    services.reconcile_day(company_id=pw.company.pk, day=timezone.localdate())
    line = ReconDifference.objects.get()
    manager = Client()
    manager.force_login(pw.manager)
    assert order.out_trade_no in manager.get("/payments/reconciliation/").content.decode()
    manager.post(f"/payments/reconciliation/{line.pk}/", {"resolution": "explained", "note": "测试"})
    line.refresh_from_db()
    assert line.resolution == "explained" and line.resolved_by == pw.manager
    foreign = Client()
    foreign.force_login(pw.foreign_admin)
    assert order.out_trade_no not in foreign.get("/payments/reconciliation/?all=1").content.decode()
    assert (
        foreign.post(f"/payments/reconciliation/{line.pk}/", {"resolution": "explained"}).status_code == 404
    )


def _refund(w, order, amount, capture):
    order.refresh_from_db()
    asked = billing.correction_request(
        actor=w.desk, data={"kind": "refund", "payment_id": order.payment_id, "amount": amount, "reason": "x"}
    )
    with capture(execute=True):
        billing.correction_decide(actor=w.manager, correction=asked, approve=True)


def test_both_gateways_payments_and_refunds_reconciled(aw, django_capture_on_commit_callbacks):
    """Alipay's bill (a zip of GBK CSV) and WeChat's, payments and refund rows: a payment at Alipay
    whose notify was lost, a refund whose amount differs at Alipay, a WeChat refund missing from its
    bill and a refund at Alipay we never made."""
    today = timezone.localdate()
    fine = open_order(aw, aw.bills[:1], channel="alipay_qr")
    lost = open_order(aw, aw.other_bills[:1], channel="alipay_qr", actor=aw.desk)
    wx = open_order(aw, aw.bills[1:], channel="h5")
    aw.ali.pay(fine.out_trade_no)
    aw.ali.pay(lost.out_trade_no, drop=True)
    aw.gw.pay(wx.out_trade_no)
    _refund(aw, fine, Decimal("23.75"), django_capture_on_commit_callbacks)
    _refund(aw, wx, Decimal("10.00"), django_capture_on_commit_callbacks)
    ali_refund, wx_refund = GatewayRefund.objects.order_by("id")
    assert ali_refund.status == "success" and wx_refund.status == "processing"
    aw.ali.bill_amounts[ali_refund.out_refund_no] = 2000  # Alipay's bill: 20.00 refunded, we say 23.75
    aw.gw.bill_omit.add(wx_refund.out_refund_no)  # WeChat's bill leaves our refund out
    stranger = aw.ali.trades[fine.out_trade_no].trade_no
    aw.ali.bill_extra.append(
        {
            "kind": "退款",
            "trade_no": stranger,
            "out_trade_no": fine.out_trade_no,
            "fen": -500,
            "request_no": "X1",
        }
    )

    counts = services.reconcile_day(company_id=aw.company.pk, day=today)
    assert {k: v for k, v in counts.items() if v} == {
        DiffKind.GATEWAY_ONLY: 1,
        DiffKind.REFUND_AMOUNT: 1,
        DiffKind.REFUND_LEDGER_ONLY: 1,
        DiffKind.REFUND_GATEWAY_ONLY: 1,
    }
    lines = {(d.provider, d.kind): d for d in ReconDifference.objects.all()}
    assert lines[("alipay", DiffKind.GATEWAY_ONLY)].out_trade_no == lost.out_trade_no
    amount = lines[("alipay", DiffKind.REFUND_AMOUNT)]
    assert (amount.gateway_amount, amount.ledger_amount) == (Decimal("20.00"), Decimal("23.75"))
    assert amount.transaction_id == ali_refund.out_refund_no
    assert lines[("wechat", DiffKind.REFUND_LEDGER_ONLY)].transaction_id == wx_refund.out_refund_no
    assert lines[("alipay", DiffKind.REFUND_GATEWAY_ONLY)].gateway_amount == Decimal("5.00")
    # Twice changes nothing.
    assert not any(services.reconcile_day(company_id=aw.company.pk, day=today).values())

    # Finance resolves: the lost Alipay payment is asked from Alipay and posted once.
    services.difference_resolve(
        actor=aw.manager, difference=lines[("alipay", DiffKind.GATEWAY_ONLY)], resolution="posted"
    )
    lost.refresh_from_db()
    assert lost.status == "paid" and lost.payment.amount == lost.amount
    assert Payment.objects.filter(reference=lost.transaction_id).count() == 1
    for key in (("alipay", DiffKind.REFUND_AMOUNT), ("wechat", DiffKind.REFUND_LEDGER_ONLY)):
        services.difference_resolve(
            actor=aw.manager, difference=lines[key], resolution="explained", note="核实"
        )
    with pytest.raises(Exception) as exc:
        services.difference_resolve(
            actor=aw.manager, difference=lines[("alipay", DiffKind.REFUND_GATEWAY_ONLY)], resolution="posted"
        )
    assert "resolution" in exc.value.message_dict
    manager = Client()
    manager.force_login(aw.manager)
    page = manager.get("/payments/reconciliation/").content.decode()
    assert "退款：渠道有、账上无" in page and "支付宝" in page
