"""The desk's pages: the dispatch queue with its one-click dispatch, and the rules."""

import pytest
from django.urls import reverse

from guanjia.dispatch.models import DispatchRule
from guanjia.dispatch.tests.conftest import make_rule, receive
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_queue_shows_waiting_requests_and_dispatches_in_one_click(dw, as_user):
    ticket = receive(dw)
    client = as_user(dw.desk)
    page = client.get(reverse("dispatch_queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert ticket.number in html and "维修工二" in html

    response = client.post(reverse("dispatch_queue_dispatch", args=[ticket.pk]), {"assignee_id": dw.tech2.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.assignee == dw.tech2
    event = TicketEvent.objects.get(ticket=ticket, action=Action.DISPATCH)
    assert event.actor == dw.desk and "auto" not in event.data
    assert f'href="/tickets/{ticket.pk}/"' not in client.get(reverse("dispatch_queue")).content.decode()


def test_dispatching_without_a_person_says_so(dw, as_user):
    ticket = receive(dw)
    client = as_user(dw.desk)
    response = client.post(
        reverse("dispatch_queue_dispatch", args=[ticket.pk]), {"assignee_id": ""}, follow=True
    )
    assert "此项为必填项" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def test_another_projects_desk_cannot_dispatch_from_the_queue(dw, as_user):
    ticket = receive(dw)
    client = as_user(dw.sibling_desk)
    assert f'href="/tickets/{ticket.pk}/"' not in client.get(reverse("dispatch_queue")).content.decode()
    response = client.post(reverse("dispatch_queue_dispatch", args=[ticket.pk]), {"assignee_id": dw.tech1.pk})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def test_the_manager_creates_edits_and_deactivates_a_rule(dw, as_user):
    client = as_user(dw.manager)
    response = client.post(
        reverse("dispatch_rule_create"),
        {
            "project": dw.project.pk,
            "category": dw.plumbing.pk,
            "building": "",
            "department": "engineering",
            "skill": dw.water_skill.pk,
            "priority": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    rule = DispatchRule.objects.get()
    assert rule.project == dw.project and rule.skill == dw.water_skill and rule.is_active

    response = client.post(
        reverse("dispatch_rule_edit", args=[rule.pk]),
        {
            "category": dw.leak.pk,
            "building": dw.building.pk,
            "department": "security",
            "priority": 2,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.category, rule.building, rule.department, rule.skill) == (
        dw.leak,
        dw.building,
        "security",
        None,
    )

    listing = client.get(reverse("dispatch_rule_list")).content.decode()
    assert "漏水" in listing and "秩序" in listing

    assert client.post(reverse("dispatch_rule_deactivate", args=[rule.pk])).status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active


def test_bad_rule_input_is_a_form_error(dw, as_user):
    client = as_user(dw.manager)
    response = client.post(reverse("dispatch_rule_create"), {"project": dw.project.pk, "department": "nope"})
    assert response.status_code == 422
    assert not DispatchRule.objects.exists()


def test_the_desk_sees_the_rules_but_may_not_change_them(dw, as_user):
    rule = make_rule(dw)
    client = as_user(dw.desk)
    page = client.get(reverse("dispatch_rule_list"))
    assert page.status_code == 200 and "水电" in page.content.decode()
    assert reverse("dispatch_rule_edit", args=[rule.pk]) not in page.content.decode()
    assert client.get(reverse("dispatch_rule_create")).status_code == 403
    assert client.post(reverse("dispatch_rule_deactivate", args=[rule.pk])).status_code == 403
    rule.refresh_from_db()
    assert rule.is_active


def test_the_desk_create_page_dispatching_itself_skips_the_rules(dw, as_user):
    """The desk sends someone at once: the rules stay out (no double dispatch, no 409)."""
    from guanjia.tickets.models import Ticket

    make_rule(dw)
    dw.tech1.skills.add(dw.water_skill)
    response = as_user(dw.desk).post(
        reverse("ticket_create"),
        {
            "kind": "home_repair",
            "priority": "normal",
            "channel": "phone",
            "unit_id": dw.unit.pk,
            "category_id": dw.leak.pk,
            "description": "漏水",
            "dispatch_to": dw.tech2.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.assignee == dw.tech2
    event = TicketEvent.objects.get(ticket=ticket, action=Action.DISPATCH)
    assert event.actor == dw.desk and "auto" not in event.data


def test_the_queue_sends_many_at_once_and_exports_what_it_shows(dw, as_user):
    import io

    from openpyxl import load_workbook

    urgent = receive(dw, priority="urgent", description="卫生间漏水")
    ordinary = receive(dw)
    elsewhere = receive(
        dw,
        actor=dw.sibling_desk,
        unit_id=None,
        project_id=dw.sibling_project.pk,
        kind="common_repair",
        location="大堂",
    )
    client = as_user(dw.desk)
    html = client.get(reverse("dispatch_queue")).content.decode()
    assert f'name="ids" value="{urgent.pk}" form="bulk-form"' in html
    assert "/data/export/dispatch_queue.xlsx" in html

    # The file is the queue in its order: urgent first, never another estate's.
    exported = client.get("/data/export/dispatch_queue.xlsx")
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [urgent.number, ordinary.number]

    response = client.post(
        reverse("ticket_bulk"),
        {
            "action": "dispatch",
            "ids": [urgent.pk, ordinary.pk, elsewhere.pk],
            "assignee_id": dw.tech2.pk,
            "next": reverse("dispatch_queue"),
        },
    )
    body = response.content.decode()
    assert "已派工 2 条，未执行 1 条" in body and f"#{elsewhere.pk}" in body
    assert f'href="{reverse("dispatch_queue")}"' in body
    for ticket in (urgent, ordinary):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == (Status.DISPATCHED, dw.tech2)
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.RECEIVED
