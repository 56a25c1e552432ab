"""The dispatch queue puts what is urgent and late first, and says how much time is left or how late.

An urgent lift entrapment must not sit at row 14 behind older ordinary calls, nor a new urgent leak
on page 2."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.dispatch.tests.conftest import receive
from guanjia.sla.models import TicketDeadline
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def due_in(ticket, minutes):
    """Put the request's running clock ``minutes`` from now (negative: that late)."""
    TicketDeadline.objects.filter(ticket=ticket).delete()
    now = timezone.now()
    TicketDeadline.objects.create(
        company=ticket.company,
        project=ticket.project,
        ticket=ticket,
        stage="dispatch",
        started_at=now - datetime.timedelta(hours=3),
        allowed_minutes=30,
        due_at=now + datetime.timedelta(minutes=minutes),
    )


@pytest.fixture
def backlog(dw):
    """Twenty ordinary calls waiting with plenty of time, one ordinary call already late, and a
    brand-new urgent lift entrapment received last."""
    calm = [receive(dw, description=f"普通报修 {i}") for i in range(20)]
    for ticket in calm:
        due_in(ticket, 600)
    late = receive(dw, description="卫生间漏水，已超时")
    due_in(late, -65)
    lift = receive(dw, description="电梯困人", priority="urgent")
    due_in(lift, 12)
    return calm, late, lift


def test_urgent_and_late_come_first_with_their_clock_on_the_page(dw, backlog, client):
    _calm, late, lift = backlog
    client.force_login(dw.desk)
    html = client.get(reverse("dispatch_queue")).content.decode()
    rows = html.split('data-testid="queue-row"')[1:]
    assert f'data-ticket="{lift.pk}"' in rows[0] and f'data-ticket="{late.pk}"' in rows[1]
    assert 'data-testid="badge-urgent"' in rows[0] and "剩余 1" in rows[0]  # 11–12 minutes left
    assert 'data-testid="badge-overdue"' in rows[1] and "超时 1 小时 5 分" in rows[1]
    assert "剩余 9 小时 59 分" in rows[2] or "剩余 10 小时" in rows[2]
    assert 'data-testid="badge-overdue"' not in rows[2]


def test_the_api_queue_is_in_the_same_order_and_gives_the_due_time(dw, backlog):
    calm, late, lift = backlog
    items = Api(dw.desk).get("dispatch-queue").json()["items"]
    assert [t["id"] for t in items[:2]] == [lift.pk, late.pk]
    assert items[1]["overdue"] is True and items[0]["overdue"] is False
    assert items[0]["priority"] == "urgent" and items[0]["due_at"]
    assert {t["id"] for t in items[2:]} == {t.pk for t in calm}
