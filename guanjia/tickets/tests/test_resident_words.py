"""The resident's pages speak to the resident: the buttons, the messages after them, the status and
the timeline are in their words ("不满意，请重新处理"), never the staff's ("业主要求返工")."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from guanjia.tickets import services
from guanjia.tickets.choices import Action
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# The console's names of the portal's actions and states; none of them belongs on a resident's page.
STAFF_WORDS = ("业主要求返工", "业主评价", "确认业主", "可执行操作", "整改中", "工单")


def act(user, ticket, action, **data) -> Ticket:
    return services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def completed(tw) -> Ticket:
    ticket = services.ticket_create(
        actor=tw.resident_user, data={"unit_id": tw.unit.pk, "description": "厨房水管漏水"}
    )
    act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    act(tw.technician, ticket, Action.ACCEPT)
    act(tw.technician, ticket, Action.ARRIVE)
    return act(tw.technician, ticket, Action.COMPLETE, resolution="更换了三通接头")


def visible_text(page: str) -> str:
    """The page without its <head> (titles of the layout are not what this test is about)."""
    return page.split("<body", 1)[-1]


def test_the_residents_request_page_is_worded_for_the_resident(client, tw):
    ticket = completed(tw)
    client.force_login(tw.resident_user)
    page = visible_text(client.get(reverse("portal_ticket_detail", args=[ticket.pk])).content.decode())
    assert "不满意，请重新处理" in page and "评价本次服务" in page and "提交评价" in page
    assert "哪里还没处理好" in page  # the reason asked in their words
    assert "已处理完成" in page  # the status badge
    for word in STAFF_WORDS:
        assert word not in page, word


def test_staff_keep_their_own_words_on_the_console(client, tw):
    ticket = completed(tw)
    client.force_login(tw.butler)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "已完工" in page and "不满意，请重新处理" not in page


def test_after_asking_for_rework_the_resident_reads_their_words(client, tw):
    ticket = completed(tw)
    client.force_login(tw.resident_user)
    response = client.post(
        reverse("portal_act", args=[ticket.pk, Action.REOPEN]),
        {"reopen-reason": "还在滴水", "expected_version": ticket.version},
    )
    assert response.status_code == 302
    toast = [str(m) for m in get_messages(response.wsgi_request)]
    assert toast == ["已收到，我们会重新安排处理"]
    page = visible_text(client.get(response.url).content.decode())
    assert "重新处理中" in page and "您反馈不满意，我们会重新处理" in page
    for word in STAFF_WORDS:
        assert word not in page, word


def test_a_refused_rework_shows_the_form_again_in_the_residents_words(client, tw):
    ticket = completed(tw)
    client.force_login(tw.resident_user)
    response = client.post(reverse("portal_act", args=[ticket.pk, Action.REOPEN]), {})
    assert response.status_code == 422
    page = visible_text(response.content.decode())
    assert "哪里还没处理好" in page and "提交，请重新处理" in page and "业主要求返工" not in page


def test_the_residents_list_shows_states_in_their_words(client, tw):
    ticket = completed(tw)
    act(tw.resident_user, ticket, Action.REOPEN, reason="还在滴水")
    client.force_login(tw.resident_user)
    page = visible_text(client.get(reverse("portal_home")).content.decode())
    assert "重新处理中" in page and "整改中" not in page
