"""Choosing who does the work: the intake form and the dispatch / reassign forms offer the people of
the request's department first — on duty first, least open work first — each with those facts, and
refuse on submit whoever may not take the request."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from guanjia.core.roles import Role
from guanjia.dispatch.services import choose_assignee
from guanjia.dispatch.tests.conftest import NOW, make_rule, on_duty, receive
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Action, Kind, Status
from guanjia.tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def offered(html: str) -> dict[str, list[int]]:
    """The select's option groups: {group label: [staff ids in order]}."""
    groups = {}
    for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', html, re.S):
        groups[label] = [int(pk) for pk in re.findall(r'<option value="(\d+)"', body)]
    return groups


def guards(dw):
    """Three guards of P1's security department: one on duty, two off duty (one with open work)."""
    make = lambda name: f.make_staff(  # noqa: E731
        company=dw.company,
        roles=[Role.SECURITY],
        projects=[dw.project],
        department=Department.SECURITY,
        name=name,
    )
    dw.guard_on, dw.guard_busy, dw.guard_free = make("当班保安"), make("忙碌保安"), make("空闲保安")
    on_duty(dw, dw.guard_on)
    return dw


def give_open_work(dw, member, n):
    for _ in range(n):
        ticket = receive(dw, auto_dispatch=False)
        ticket_services.ticket_act(
            actor=dw.desk, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": member.pk}
        )


def options_for(dw, **data) -> str:
    params = {"unit_id": dw.unit.pk} | data
    response = client_for(dw.desk).get(reverse("ticket_assignee_options"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_complaint_about_a_guard_offers_the_guards_colleagues_not_technicians(dw):
    guards(dw)
    give_open_work(dw, dw.guard_busy, 2)
    html = options_for(dw, kind=Kind.COMPLAINT, subject_staff_id=dw.guard_free.pk)
    groups = offered(html)
    first, others = list(groups)
    assert "秩序" in first
    # On duty first; the person complained about is not offered; technicians come after, apart.
    assert groups[first] == [dw.guard_on.pk, dw.guard_busy.pk]
    assert dw.guard_free.pk not in groups[first] + groups[others]
    assert dw.tech1.pk in groups[others] and dw.tech2.pk in groups[others]
    # Each person with the facts the desk chooses by.
    assert "当班保安 · 秩序 · 当班 · 未完成 0 单" in html
    assert "忙碌保安 · 秩序 · 不在班 · 未完成 2 单" in html


def test_a_complaint_in_a_security_category_offers_security(dw):
    guards(dw)
    suspicious = TicketCategory.objects.get(company=dw.company, name="可疑人员")
    groups = offered(options_for(dw, kind=Kind.COMPLAINT, category_id=suspicious.pk))
    first = next(iter(groups))
    assert "秩序" in first
    assert groups[first][0] == dw.guard_on.pk
    assert dw.tech1.pk not in groups[first]


def test_a_repair_offers_engineering_on_duty_then_least_loaded_first(dw):
    guards(dw)
    tech3 = f.make_staff(
        company=dw.company, roles=[Role.TECHNICIAN], projects=[dw.project], department=Department.ENGINEERING
    )
    on_duty(dw, dw.tech1)
    on_duty(dw, dw.tech2)
    give_open_work(dw, dw.tech1, 2)
    give_open_work(dw, dw.tech2, 1)
    groups = offered(options_for(dw, kind=Kind.HOME_REPAIR, category_id=dw.leak.pk))
    first = next(iter(groups))
    assert "工程" in first
    # On duty, fewer open requests first; then the head; then the off-duty technician.
    assert groups[first] == [dw.tech2.pk, dw.tech1.pk, dw.head.pk, tech3.pk]
    assert dw.guard_on.pk not in groups[first]


def test_the_first_offered_is_whom_auto_dispatch_would_send(dw):
    make_rule(dw)
    dw.tech2.skills.add(dw.water_skill)
    on_duty(dw, dw.tech1)
    give_open_work(dw, dw.tech1, 1)
    ticket = receive(dw, auto_dispatch=False)
    chosen, _reason = choose_assignee(ticket, now=NOW)
    page = client_for(dw.desk).get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    form = page.split('data-action-form="dispatch"')[1].split("</details>")[0]
    assert next(iter(offered(form).values()))[0] == chosen.pk == dw.tech1.pk
    assert "规则 #" in form  # the desk is told why this department


def test_the_reassign_list_shows_the_departments_people_with_their_facts(dw):
    on_duty(dw, dw.tech2)
    ticket = receive(dw, auto_dispatch=False)
    ticket_services.ticket_act(
        actor=dw.desk, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": dw.tech1.pk}
    )
    page = client_for(dw.desk).get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    form = page.split('data-action-form="reassign"')[1].split("</details>")[0]
    groups = offered(form)
    first = next(iter(groups))
    assert "工程" in first and groups[first][0] == dw.tech2.pk
    assert "维修工二 · 工程 · 当班 · 未完成 0 单" in form
    assert "维修工 · 工程 · 不在班 · 未完成 1 单" in form


def test_someone_of_another_company_is_refused_on_submit_and_nothing_happens(dw):
    foreign = f.make_staff(
        company=dw.other_company, roles=[Role.TECHNICIAN], projects=[dw.foreign_project], name="别家维修工"
    )
    desk = client_for(dw.desk)
    response = desk.post(
        reverse("ticket_create"),
        {
            "unit_id": dw.unit.pk,
            "kind": "home_repair",
            "priority": "normal",
            "channel": "phone",
            "description": "漏水",
            "dispatch_to": foreign.pk,
        },
    )
    assert response.status_code == 422 and 'data-field="dispatch_to"' in response.content.decode()
    assert "别家维修工" not in response.content.decode()
    assert not Ticket.objects.exists()

    ticket = receive(dw, auto_dispatch=False)
    ticket_services.ticket_act(
        actor=dw.desk, ticket=ticket, action=Action.DISPATCH, data={"assignee_id": dw.tech1.pk}
    )
    outsider = f.make_staff(
        company=dw.company, roles=[Role.TECHNICIAN], projects=[dw.sibling_project], name="大厦维修工"
    )
    for person in (foreign, outsider):
        response = desk.post(
            reverse("ticket_act", args=[ticket.pk, "reassign"]),
            {"reassign-assignee_id": person.pk, "reassign-reason": "换人"},
        )
        assert response.status_code == 422
        assert 'data-field="assignee_id"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == dw.tech1 and ticket.status == Status.DISPATCHED
