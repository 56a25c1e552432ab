"""Bulk actions on requests (批量派工、关闭、取消、催办) and the request list's export: every request
ticked gets its own result, refusals say why, nothing outside the desk's estate is touched, and the
file holds exactly what the filter shows."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from guanjia.core.bulk import BULK_MAX
from guanjia.notifications.models import Notification
from guanjia.testing.api import Api
from guanjia.tickets import bulk, exports, services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def reported(tw, **extra) -> Ticket:
    data = {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "厨房水管漏水"} | extra
    return services.ticket_create(actor=tw.resident_user, data=data)


def act(user, ticket, action, **data) -> Ticket:
    return services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def dispatched(tw, person="technician") -> Ticket:
    ticket = reported(tw)
    return act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff[person].pk)


def followed_up(tw) -> Ticket:
    ticket = dispatched(tw)
    act(tw.technician, ticket, Action.ACCEPT)
    act(tw.technician, ticket, Action.ARRIVE)
    act(tw.technician, ticket, Action.COMPLETE, resolution="换了阀门")
    return act(tw.desk, ticket, Action.FOLLOW_UP, satisfied=True, score=5)


def in_sibling_estate(tw) -> Ticket:
    """A request of the company's other estate (P2), which P1's desk does not serve."""
    return services.ticket_create(
        actor=tw.sibling_desk,
        data={
            "project_id": tw.sibling_project.pk,
            "kind": "common_repair",
            "location": "大堂",
            "description": "大堂灯坏",
        },
    )


def outcomes(result) -> dict:
    return {item.id: (item.outcome, item.message) for item in result.items}


# Dispatch, close, cancel -------------------------------------------------------------------------------


def test_bulk_dispatch_sends_each_request_and_refuses_the_rest_by_name(tw):
    first, second = reported(tw), reported(tw)
    cancelled = act(tw.desk, reported(tw), Action.CANCEL, reason="业主撤回")
    elsewhere = in_sibling_estate(tw)
    technician = tw.staff["technician"]

    result = bulk.tickets_bulk_act(
        actor=tw.desk,
        action="dispatch",
        ids=[first.pk, cancelled.pk, elsewhere.pk, second.pk],
        assignee_id=technician.pk,
    )

    got = outcomes(result)
    assert got[first.pk][0] == got[second.pk][0] == "done"
    # A refusal in the middle undoes nothing of what came after it.
    assert got[cancelled.pk] == ("refused", got[cancelled.pk][1])
    assert "已取消" in got[cancelled.pk][1]
    assert got[elsewhere.pk] == ("refused", "不存在或无权查看")
    assert result.summary() == "已派工 2 条，未执行 2 条"
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee_id) == (Status.DISPATCHED, technician.pk)
        assert TicketEvent.objects.filter(ticket=ticket, action=Action.DISPATCH, actor=tw.desk).exists()
    elsewhere.refresh_from_db()
    assert (elsewhere.status, elsewhere.assignee_id) == (Status.RECEIVED, None)
    assert not TicketEvent.objects.filter(ticket=elsewhere, action=Action.DISPATCH).exists()


def test_bulk_close_keeps_the_workflows_rule_and_cancel_needs_one_reason_for_all(tw):
    done = followed_up(tw)
    still_open = reported(tw)
    result = bulk.tickets_bulk_act(actor=tw.desk, action="close", ids=[done.pk, still_open.pk])
    got = outcomes(result)
    assert got[done.pk][0] == "done"
    assert got[still_open.pk][0] == "refused" and "已受理" in got[still_open.pk][1]
    done.refresh_from_db()
    still_open.refresh_from_db()
    assert (done.status, still_open.status) == (Status.CLOSED, Status.RECEIVED)

    with pytest.raises(ValidationError) as refused:
        bulk.tickets_bulk_act(actor=tw.desk, action="cancel", ids=[still_open.pk], reason="  ")
    assert "reason" in refused.value.message_dict
    still_open.refresh_from_db()
    assert still_open.status == Status.RECEIVED

    result = bulk.tickets_bulk_act(actor=tw.desk, action="cancel", ids=[still_open.pk], reason="重复报事")
    still_open.refresh_from_db()
    assert (still_open.status, still_open.cancel_reason) == (Status.CANCELLED, "重复报事")
    assert result.summary() == "已取消 1 条"


def test_not_the_technicians_to_cancel(tw):
    ticket = dispatched(tw)
    result = bulk.tickets_bulk_act(actor=tw.technician, action="cancel", ids=[ticket.pk], reason="不想修")
    assert outcomes(result)[ticket.pk][0] == "refused"
    assert "不能对此工单执行「取消」" in outcomes(result)[ticket.pk][1]
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED


def test_too_many_at_once_is_refused_as_a_whole(tw):
    ticket = reported(tw)
    ids = [ticket.pk, *range(10**6, 10**6 + BULK_MAX)]
    with pytest.raises(ValidationError) as refused:
        bulk.tickets_bulk_act(
            actor=tw.desk, action="dispatch", ids=ids, assignee_id=tw.staff["technician"].pk
        )
    assert "一次最多操作 200 条" in refused.value.message_dict["ids"][0]
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


# 催办 ----------------------------------------------------------------------------------------------------


def test_remind_tells_the_assignee_once_per_half_hour_and_keeps_it_in_the_timeline(
    tw, monkeypatch, django_capture_on_commit_callbacks
):
    ticket = dispatched(tw)
    unassigned = reported(tw)
    now = services._now()
    monkeypatch.setattr(services, "_now", lambda: now)

    def reminders():
        return Notification.objects.filter(
            recipient=tw.technician, object_id=ticket.pk, subject__contains="催办", channel="in_app"
        ).count()

    with django_capture_on_commit_callbacks(execute=True):
        result = bulk.tickets_bulk_act(actor=tw.desk, action="remind", ids=[ticket.pk, unassigned.pk])
    got = outcomes(result)
    assert got[ticket.pk][0] == "done"
    assert got[unassigned.pk][0] == "refused" and "已受理" in got[unassigned.pk][1]
    event = TicketEvent.objects.get(ticket=ticket, action=Action.REMIND)
    assert (event.actor, event.internal, event.data["assignee"]) == (tw.desk, True, "维修工")
    assert reminders() == 1

    # Again twenty minutes later: not sent again, and the desk reads when the last one went.
    monkeypatch.setattr(services, "_now", lambda: now + datetime.timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        again = bulk.tickets_bulk_act(actor=tw.desk, action="remind", ids=[ticket.pk])
    assert outcomes(again)[ticket.pk][0] == "skipped"
    assert "30 分钟内已催办过" in outcomes(again)[ticket.pk][1]
    assert again.summary() == "已催办 0 条，跳过 1 条"
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.REMIND).count() == 1
    assert reminders() == 1

    # Past the half hour it goes again.
    monkeypatch.setattr(services, "_now", lambda: now + datetime.timedelta(minutes=31))
    with django_capture_on_commit_callbacks(execute=True):
        later = bulk.tickets_bulk_act(actor=tw.desk, action="remind", ids=[ticket.pk])
    assert outcomes(later)[ticket.pk][0] == "done"
    assert reminders() == 2


def test_a_reminder_to_the_new_person_goes_at_once_after_a_reassignment(tw, monkeypatch):
    ticket = dispatched(tw)
    act(tw.desk, ticket, Action.REMIND)
    act(tw.desk, ticket, Action.REASSIGN, assignee_id=tw.staff["technician2"].pk, reason="换人")
    act(tw.desk, ticket, Action.REMIND)
    reminded = TicketEvent.objects.filter(ticket=ticket, action=Action.REMIND).order_by("id")
    assert [e.data["assignee"] for e in reminded] == ["维修工", "维修工二"]


def test_the_request_page_offers_remind_to_the_desk_not_to_the_technician(client, tw):
    ticket = dispatched(tw)
    client.force_login(tw.desk)
    assert 'data-action="remind"' in client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    response = client.post(reverse("ticket_act", args=[ticket.pk, "remind"]), follow=True)
    assert response.status_code == 200
    again = client.post(reverse("ticket_act", args=[ticket.pk, "remind"]), follow=True)
    assert "30 分钟内已催办过" in again.content.decode()
    assert TicketEvent.objects.filter(ticket=ticket, action=Action.REMIND).count() == 1
    client.force_login(tw.technician)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-action="remind"' not in page


# The web pages ---------------------------------------------------------------------------------------------


def test_the_list_has_a_box_per_request_and_the_bulk_bar_reports_each_result(client, tw):
    ticket, other = reported(tw), act(tw.desk, reported(tw), Action.CANCEL, reason="撤回")
    client.force_login(tw.desk)
    page = client.get(reverse("ticket_list"), {"status": "open"}).content.decode()
    assert f'name="ids" value="{ticket.pk}" form="bulk-form"' in page
    assert 'data-testid="bulk-bar"' in page
    assert "/data/export/tickets.xlsx?status=open" in page

    response = client.post(
        reverse("ticket_bulk"),
        {
            "action": "dispatch",
            "ids": [ticket.pk, other.pk],
            "assignee_id": tw.staff["technician"].pk,
            "next": "/tickets/?status=open",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "已派工 1 条，未执行 1 条" in body
    assert other.number in body and "已取消" in body
    assert 'href="/tickets/?status=open"' in body

    # Nothing ticked, or a dispatch without a person: back to the list with the reason.
    response = client.post(reverse("ticket_bulk"), {"action": "dispatch", "ids": [ticket.pk]}, follow=True)
    assert "请选择处理人" in response.content.decode()


def test_the_api_answers_a_result_per_request(tw):
    ticket = reported(tw)
    elsewhere = in_sibling_estate(tw)
    response = Api(tw.desk).post(
        "tickets/bulk",
        {"action": "dispatch", "ids": [ticket.pk, elsewhere.pk], "assignee_id": tw.staff["technician"].pk},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["refused"], body["skipped"]) == (1, 1, 0)
    assert [(i["id"], i["outcome"]) for i in body["items"]] == [
        (ticket.pk, "done"),
        (elsewhere.pk, "refused"),
    ]

    too_many = Api(tw.desk).post("tickets/bulk", {"action": "remind", "ids": list(range(1, BULK_MAX + 2))})
    assert too_many.status_code == 422
    assert "ids" in too_many.json()["errors"]


# Export ------------------------------------------------------------------------------------------------------


def sheet_rows(content: bytes) -> list[list]:
    return [list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def test_the_export_holds_exactly_what_the_filter_shows_across_every_page(client, tw):
    for n in range(23):  # more than one page of 20
        reported(tw, description=f"第{n}号漏水")
    act(tw.desk, reported(tw), Action.CANCEL, reason="撤回")  # filtered out by "open"
    in_sibling_estate(tw)  # not the desk's
    formula = reported(tw, description='=HYPERLINK("http://evil.example","点击")')
    client.force_login(tw.desk)

    response = client.get("/data/export/tickets.xlsx", {"status": "open"})
    assert response.status_code == 200
    rows = sheet_rows(response.content)
    assert rows[0][:3] == ["单号", "类型", "状态"]
    _form, shown = exports.console_list(tw.desk, {"status": "open"})
    assert [r[0] for r in rows[1:]] == [t.number for t in shown]
    assert len(rows) - 1 == 24 == Ticket.objects.filter(project=tw.project, status=Status.RECEIVED).count()

    cell = next(
        c
        for c in load_workbook(io.BytesIO(response.content)).active["I"]
        if c.value and "HYPERLINK" in c.value
    )
    assert (cell.value, cell.data_type) == (formula.description, "s")


def test_the_export_costs_the_same_few_queries_for_many_rows(client, tw):
    def export_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/data/export/tickets.xlsx")
        return len(queries), len(sheet_rows(response.content)) - 1

    for _n in range(3):
        dispatched(tw)
    client.force_login(tw.desk)
    client.get("/data/export/tickets.xlsx")  # the session and the scope are cached after this
    few, rows = export_queries()
    assert rows == 3
    for _n in range(27):
        dispatched(tw, person="technician2")
    many, rows = export_queries()
    assert rows == 30
    assert many == few <= 16  # no query per row: related names come in one query each


def test_an_export_over_the_cap_is_refused_with_a_message(client, tw, monkeypatch):
    import dataclasses

    from guanjia.dataio import exporting

    for _n in range(3):
        reported(tw)
    monkeypatch.setitem(
        exporting.EXPORTS, "tickets", dataclasses.replace(exporting.EXPORTS["tickets"], max_rows=2)
    )
    client.force_login(tw.desk)
    response = client.get("/data/export/tickets.xlsx")
    assert response.status_code == 400
    assert "超过 2 条" in response.content.decode()


def test_the_api_export_uses_the_lists_filters(tw):
    mine = reported(tw)
    act(tw.desk, reported(tw), Action.CANCEL, reason="撤回")
    response = Api(tw.desk).get("exports/tickets", format="xlsx", open="true")
    assert response.status_code == 200
    assert [r[0] for r in sheet_rows(response.content)[1:]] == [mine.number]
