"""The fee figures a manager reads: taken as of a day (later entries not counted), the refundable
deposit outside the collection rate, never "-0.00", a rate of nothing collected is 0.0 % (not "—"),
and the demo writes no money dated after the present."""

import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from guanjia.billing import selectors, services
from guanjia.billing.models import LedgerEntry, Payment
from guanjia.billing.tests.conftest import at, generate, pay
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 31)


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_figures_are_taken_as_of_a_day_and_ignore_later_payments(bw, clock):
    clock(datetime.date(2026, 1, 1))
    generate(bw, "2026-01", JAN)
    clock(datetime.date(2026, 2, 10))
    pay(bw, bw.unit, "223.75", "late")  # 1201 pays on 10 February
    api = Api(bw.manager)
    # As of 5 February the payment has not happened: both units owe, nothing is collected yet.
    before = api.get("billing/arrears", as_of="2026-02-05").json()["items"]
    assert sorted((r["unit"], r["total"], r["as_of"]) for r in before) == [
        ("1栋-1201", "223.75", "2026-02-05"),
        ("1栋-1202", "223.75", "2026-02-05"),
    ]
    rates = api.get("billing/collection-rate", period_from="2026-01", as_of="2026-02-05").json()
    assert [(r["billed"], r["collected"], r["rate"], r["as_of"]) for r in rates] == [
        ("447.50", "0.00", "0.0", "2026-02-05")
    ]
    # As of the day it was paid it counts.
    after = api.get("billing/arrears", as_of="2026-02-10").json()["items"]
    assert [r["unit"] for r in after] == ["1栋-1202"]
    rates = api.get("billing/collection-rate", period_from="2026-01", as_of="2026-02-10").json()
    assert [r["rate"] for r in rates] == ["50.0"]
    # The pages say the day and take the same field; a rate of 0 reads 0.0 %, never "—" or "-0.0".
    manager = login(bw.manager)
    page = manager.get("/billing/collection/", {"period_from": "2026-01", "as_of": "2026-02-05"})
    html = page.content.decode()
    assert "截至 2026-02-05" in html and 'fw-semibold">0.0%' in html and "-0.0" not in html
    assert 'data-testid="figure-hint"' in html
    page = manager.get("/billing/arrears/", {"as_of": "2026-02-05"}).content.decode()
    assert "截至 2026-02-05" in page and "1栋-1201" in page


def test_the_refundable_deposit_is_not_billed_in_the_collection_rate(bw, clock):
    clock(datetime.date(2026, 1, 1))
    generate(bw, "2026-01", JAN)
    services.bill_one_off(actor=bw.manager, data={"unit_id": bw.unit.pk, "item_id": bw.deposit.pk})
    clock(datetime.date(2026, 1, 5))
    pay(bw, bw.unit, "2223.75", "k")  # January's fee and the deposit
    (row,) = selectors.collection(
        bw.admin, period_from="2026-01", period_to="2026-01", as_of=datetime.date(2026, 1, 31)
    )
    assert (row["billed"], row["collected"], row["rate"]) == (
        Decimal("447.50"),
        Decimal("223.75"),
        Decimal("50.0"),
    )


def test_no_minus_zero_in_statements_arrears_or_rates(bw, clock):
    clock(datetime.date(2026, 1, 1))
    generate(bw, "2026-01", JAN)
    clock(datetime.date(2026, 1, 5))
    pay(bw, bw.unit, "223.75", "k")
    balance = selectors.unit_balance(bw.unit.pk)
    assert [str(balance[k]) for k in ("owed", "credit", "balance")] == ["0.00", "0.00", "0.00"]
    assert str(selectors.q2(Decimal("-0.001"))) == "0.00"
    statement = login(bw.manager).get(f"/billing/units/{bw.unit.pk}/").content.decode()
    assert "-0.00" not in statement
    body = Api(bw.manager).get(f"units/{bw.unit.pk}/statement").json()
    assert (body["owed"], body["credit"], body["balance"]) == ("0.00", "0.00", "0.00")


def test_the_demo_writes_no_money_after_the_present():
    # Early in a month most of the month's payments the dice would give lie ahead.
    present = at(datetime.date(2026, 12, 2), 9)
    with mock.patch("django.utils.timezone.now", return_value=present):
        call_command("seed_demo", stdout=io.StringIO(), units=40, buildings=2, office_units=8, tickets=5)
    assert Payment.objects.exists()
    assert not Payment.objects.filter(received_at__gt=present).exists()
    assert not LedgerEntry.objects.filter(time__gt=present).exists()
    assert timezone.localdate(present) == datetime.date(2026, 12, 2)
