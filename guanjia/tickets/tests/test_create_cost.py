"""What receiving one request costs in statements: pinned, so the create path cannot silently grow
back (docs/performance.md, "Creating a request"). Counted on the second request of the month, with a
category that has a dispatch rule and a technician who gets it, so every part runs: the request, its
number, its deadlines, its event, the auto-dispatch with its own event, and every journal entry."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core.models import ObjectChange
from guanjia.dispatch.models import DispatchRule
from guanjia.sla.models import TicketDeadline
from guanjia.staff.choices import Department
from guanjia.staff.models import Skill
from guanjia.testing.api import Api
from guanjia.tickets.choices import Status
from guanjia.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

# The statements of one create through the API, in order:
#   the token; the receiver's scope (staff row, roles, projects); savepoint; the unit with its
#   project; the category with its parents; the month's counter (UPDATE … RETURNING); the request;
#   the deadline policies and the calendar's days; its deadlines (one INSERT); its event;
#   auto-dispatch: the project's rules, the team with workloads and skills, the departments the
#   rota plans and who is on duty (from the rota, then the weekly table for the rest); the
#   dispatch through ``ticket_act`` (savepoint, the row lock, the assignee, the UPDATE, its event,
#   release); each event's notifications, written with it (the event with its people, one query
#   each; the technician's rows in one INSERT in a savepoint: the outbox commits with the change);
#   every journal entry (one INSERT); release; the response (one query).
# In production it is 22: the scope, the policies, the
# rota's departments and the rules come from the shared cache (a test runs inside a transaction, and nothing read inside one is
# cached), and the outer savepoint is the request's transaction itself.
CREATE_STATEMENTS = 31


@pytest.fixture
def routed(tw):
    """A leak at P1 goes to engineering, where the technician holds the skill 水电."""
    DispatchRule.objects.create(
        company=tw.company, project=tw.project, category=tw.leak.parent, department=Department.ENGINEERING
    )
    technician = tw.staff["technician"]
    technician.department = Department.ENGINEERING
    technician.save()
    technician.skills.add(Skill.objects.create(company=tw.company, name="水电"))
    return tw


def _receive(api, world):
    return api.post(
        "tickets",
        {
            "unit_id": world.unit.pk,
            "category_id": world.leak.pk,
            "description": "厨房漏水",
            "kind": "home_repair",
        },
    )


def test_receiving_a_request_costs_a_fixed_number_of_statements(routed):
    api = Api(routed.desk)
    assert _receive(api, routed).status_code == 201  # the month's counter exists, the caches are warm
    with CaptureQueriesContext(connection) as queries:
        response = _receive(api, routed)
    assert response.status_code == 201, response.content
    body = response.json()
    # Everything still happens: dispatched at once, deadlines, two events, every journal entry.
    assert body["status"] == Status.DISPATCHED
    assert body["assignee"]["id"] == routed.staff["technician"].pk
    ticket = Ticket.objects.get(pk=body["id"])
    assert TicketDeadline.objects.filter(ticket=ticket).count() == 3  # response, on site, complete
    events = TicketEvent.objects.filter(ticket=ticket)
    assert sorted(events.values_list("action", flat=True)) == ["create", "dispatch"]
    assert events.get(action="dispatch").data["auto"] is True
    journaled = ObjectChange.objects.filter(request_id__isnull=False)
    assert journaled.filter(content_type__model="ticket", object_id=str(ticket.pk)).count() == 2
    for model, rows in (
        ("ticketevent", events),
        ("ticketdeadline", TicketDeadline.objects.filter(ticket=ticket)),
    ):
        ids = {str(pk) for pk in rows.values_list("pk", flat=True)}
        assert (
            set(
                journaled.filter(content_type__model=model, object_id__in=ids).values_list(
                    "object_id", flat=True
                )
            )
            == ids
        )
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == CREATE_STATEMENTS, "\n".join(s[:150] for s in statements)
