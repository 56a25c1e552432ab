"""A request's detail is read by a statement built once per user scope (``core.statements``): the
rows must be what the queryset gives, for every request and moment, and a statement built for one
scope must never serve another."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from guanjia.core import statements
from guanjia.core.statements import UnpreparableRead, prepared_rows
from guanjia.sla.models import TicketDeadline
from guanjia.testing.api import Api
from guanjia.tickets.models import Ticket
from guanjia.tickets.selectors import ticket_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_statements_kept():
    statements._statements.clear()
    yield
    statements._statements.clear()


def report(tw, **extra):
    body = {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "厨房水管漏水"} | extra
    response = Api(tw.resident_user).post("tickets", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_each_request_reads_as_itself_from_a_statement_built_once(tw):
    ids = [report(tw, description=f"第{n}处漏水")["id"] for n in range(3)]
    with mock.patch.object(statements, "_prepare", wraps=statements._prepare) as prepare:
        details = [Api(tw.desk).get(f"tickets/{tid}").json() for tid in ids]
    assert prepare.call_count == 1
    assert [d["id"] for d in details] == ids
    assert [d["description"] for d in details] == ["第0处漏水", "第1处漏水", "第2处漏水"]
    for detail in details:
        ticket = Ticket.objects.get(pk=detail["id"])
        assert detail["number"] == ticket.number
        shown = datetime.datetime.fromisoformat(detail["received_at"])
        assert abs(shown - ticket.received_at) < datetime.timedelta(milliseconds=1)


def test_a_statement_built_for_one_scope_never_serves_another(tw):
    tid = report(tw)["id"]
    assert Api(tw.desk).get(f"tickets/{tid}").status_code == 200
    for intruder in (tw.foreign_admin, tw.sibling_desk, tw.other_resident_user):
        assert Api(intruder).get(f"tickets/{tid}").status_code == 404
    # …and the other way round: built for an intruder first, the desk and the reporter still see it.
    statements._statements.clear()
    assert Api(tw.sibling_desk).get(f"tickets/{tid}").status_code == 404
    assert Api(tw.desk).get(f"tickets/{tid}").status_code == 200
    assert Api(tw.resident_user).get(f"tickets/{tid}").status_code == 200
    assert Api(tw.desk).get("tickets/999999999").status_code == 404
    assert Api(tw.desk).get(f"tickets/{2**63}").status_code == 404


def test_the_moment_is_each_calls_own(tw):
    tid = report(tw)["id"]
    statements._statements.clear()  # the report's answer read it in the resident's scope
    assert Api(tw.desk).get(f"tickets/{tid}").json()["overdue"] is False
    TicketDeadline.objects.filter(ticket_id=tid).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert Api(tw.desk).get(f"tickets/{tid}").json()["overdue"] is True
    assert len(statements._statements) == 1


def test_rows_are_converted_as_the_queryset_converts_them(tw):
    tid = report(tw)["id"]
    now = timezone.now()

    def build(pk, now):
        return ticket_rows(Ticket.objects.filter(pk=pk), now=now)

    [prepared] = prepared_rows(Ticket, "test", None, build, pk=tid, now=now)
    [plain] = list(build(tid, now))
    assert prepared == plain
    assert prepared["received_at"].tzinfo is not None and prepared["received_at"] == plain["received_at"]


def test_a_value_that_is_not_a_parameter_is_refused_not_run():
    with pytest.raises(UnpreparableRead, match="n"):
        prepared_rows(Ticket, "limit", None, lambda n: Ticket.objects.values("id")[:n], n=3)
    with pytest.raises(TypeError, match="number"):
        prepared_rows(
            Ticket,
            "text",
            None,
            lambda number: Ticket.objects.filter(number=number).values("id"),
            number="JY",
        )
    with pytest.raises(TypeError, match="values"):
        prepared_rows(Ticket, "objects", None, lambda pk: Ticket.objects.filter(pk=pk), pk=1)
