"""Two desks lending the last wheelchair at once: one loan, the other a 422 on the stock, and the
shelf at zero, never below. Real concurrent transactions need PostgreSQL."""

import pytest
from django.db import connection

from guanjia.lending import services
from guanjia.lending.models import LendingItem, Loan
from guanjia.lending.tests.conftest import loan_data
from guanjia.tickets.tests.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def test_two_desks_lend_the_last_one_at_once_one_wins(lw):
    services.item_update(actor=lw.manager, item=lw.wheelchair, data={"quantity": 1})
    people = [lw.desk, lw.manager]
    outcomes = race(lambda i: services.loan_create(actor=people[i], data=loan_data(lw)))
    assert sorted(outcomes) == ["ValidationError", "ok"], outcomes
    assert Loan.objects.count() == 1
    assert LendingItem.objects.get(pk=lw.wheelchair.pk).on_hand == 0
