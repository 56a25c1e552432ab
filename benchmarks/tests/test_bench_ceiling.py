"""The HTTP benchmark's third ceiling (``benchmarks.views.list_rows``) runs the request list's own
statement from a bare cursor. It is only a fair ceiling while it serves exactly the API list's rows:
if the list's statement or row shaping changes, the ceiling follows, or this fails."""

import datetime
import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from benchmarks import views
from guanjia.sla.models import TicketDeadline
from guanjia.testing.api import Api
from guanjia.tickets.choices import Status
from guanjia.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    # The benchmark runs on PostgreSQL; a bare SQLite cursor gives times as text and flags as 0/1.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the HTTP benchmark runs on PostgreSQL"),
]


def test_the_list_ceiling_serves_the_api_lists_rows(tw):
    desk = Api(tw.desk)
    created = [
        desk.post(
            "tickets",
            {
                "unit_id": tw.unit.pk,
                "category_id": tw.leak.pk,
                "description": f"漏水 {n}",
                "kind": "home_repair",
            },
        ).json()["id"]
        for n in range(3)
    ]
    Ticket.objects.filter(pk=created[0]).update(status=Status.CLOSED)
    TicketDeadline.objects.filter(ticket_id=created[1]).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )

    expected = Api(tw.hq).get("tickets", open="true", page_size=25, project_id=tw.project.pk).json()["items"]
    request = RequestFactory().get(
        "/bench/list-rows", {"company_id": tw.company.pk, "project_id": tw.project.pk}
    )
    served = json.loads(views.list_rows(request).content)["items"]

    assert [row["id"] for row in expected] == [created[2], created[1]]
    assert [row["overdue"] for row in expected] == [False, True]
    assert [{key: row[key] for key in expected[0]} for row in served] == expected
