"""A request's detail is read by a statement built once per user scope (``core.statements``): the
rows must be what the queryset gives, for every request and moment, and a statement built for one
scope must never serve another."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from guanjia.core import statements
from guanjia.core.statements import prepared_rows
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


def test_a_read_that_cannot_be_prepared_is_run_plainly_never_from_a_wrong_statement(tw):
    ids = [report(tw)["id"] for _ in range(3)]

    def limited(n):  # the limit is folded into the SQL text, not a parameter
        return Ticket.objects.order_by("id").values("id")[:n]

    assert [r["id"] for r in prepared_rows(Ticket, "limit", None, limited, n=3)] == ids
    assert [r["id"] for r in prepared_rows(Ticket, "limit", None, limited, n=1)] == ids[:1]

    def due_soon(now):  # a moment computed from the given one would be kept as built
        return (
            Ticket.objects.filter(deadlines__due_at__lt=now + datetime.timedelta(hours=1))
            .values("id")
            .distinct()
        )

    now = timezone.now()
    assert prepared_rows(Ticket, "due", None, due_soon, now=now - datetime.timedelta(days=30)) == []
    assert {
        r["id"] for r in prepared_rows(Ticket, "due", None, due_soon, now=now + datetime.timedelta(days=30))
    } == set(ids)
    assert [kept for key, kept in statements._statements.items() if key[0] == "due"] == [None]  # not prepared


def test_only_ints_and_moments_vary_and_only_in_values_reads():
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


def test_the_list_pages_through_every_request_once_in_order(tw):
    ids = [report(tw)["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"page_size": 2, "project_id": tw.project.pk} | ({"cursor": cursor} if cursor else {})
        page = Api(tw.desk).get("tickets", **params).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    # One statement for the first page, one for the pages after a cursor.
    assert sum(1 for key in statements._statements if key[0][0] == "ticket-list") == 2


def test_the_lists_filters_each_give_their_own_rows(tw):
    from guanjia.tickets import services

    kept, cancelled = report(tw)["id"], report(tw)["id"]
    services.ticket_act(
        actor=tw.butler, ticket=Ticket.objects.get(pk=cancelled), action="cancel", data={"reason": "重复报修"}
    )
    api = Api(tw.desk)
    assert [r["id"] for r in api.get("tickets", open="true").json()["items"]] == [kept]
    assert [r["id"] for r in api.get("tickets", open="false").json()["items"]] == [cancelled]
    assert api.get("tickets", project_id=tw.sibling_project.pk).json()["items"] == []
    assert [r["id"] for r in api.get("tickets", project_id=tw.project.pk).json()["items"]] == [
        cancelled,
        kept,
    ]
    assert [r["id"] for r in api.get("tickets", overdue="true").json()["items"]] == []
    TicketDeadline.objects.filter(ticket_id=kept).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert [r["id"] for r in api.get("tickets", overdue="true").json()["items"]] == [kept]
    assert [r["id"] for r in api.get("tickets", overdue="false").json()["items"]] == [cancelled]
    tech = tw.staff["technician"].pk
    assert api.get("tickets", assignee=tech).json()["items"] == []
    api.post(f"tickets/{kept}/dispatch", {"assignee_id": tech})
    assert [r["id"] for r in api.get("tickets", assignee=tech).json()["items"]] == [kept]
    assert [r["id"] for r in Api(tw.technician).get("tickets", assignee="me").json()["items"]] == [kept]
    # Another company's admin, with the same filters, sees none of it.
    assert Api(tw.foreign_admin).get("tickets", project_id=tw.project.pk).json()["items"] == []


def test_a_read_that_can_match_nothing_gives_nothing():
    def nothing(pk):
        return Ticket.objects.none().filter(pk=pk).values("id")

    assert prepared_rows(Ticket, "none", None, nothing, pk=1) == []
    assert prepared_rows(Ticket, "none", None, nothing, pk=2) == []


def test_columns_are_named_in_the_order_values_names_them(tw):
    """``.values()`` naming an annotation before a field: each value under its own name."""
    from django.db.models import F

    tid = report(tw)["id"]

    def build(pk):
        return Ticket.objects.filter(pk=pk).annotate(p=F("project_id")).values("p", "number", "id")

    [prepared] = prepared_rows(Ticket, "test-order", None, build, pk=tid)
    ticket = Ticket.objects.get(pk=tid)
    assert prepared == {"p": ticket.project_id, "number": ticket.number, "id": tid}
