"""Daily reconciliation: the gateway's trade bill against the ledger, three kinds of difference,
running twice changes nothing, finance resolves each line (post, refund, explained)."""

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.billing.models import Payment
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.payments import services
from guanjia.payments.choices import DiffKind
from guanjia.payments.models import ReconDifference
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
    assert counts == {DiffKind.GATEWAY_ONLY: 1, DiffKind.LEDGER_ONLY: 1, DiffKind.AMOUNT: 1}
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
