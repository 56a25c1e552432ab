"""The work order (派工单) a technician takes on paper: the request, where, whom to ring, the
deadlines, the materials, and where to sign — only for those who may see the request."""

import pytest

from guanjia.tickets.choices import Action
from guanjia.tickets.tests.test_views import act, reported

pytestmark = pytest.mark.django_db


def test_work_order_prints_what_the_technician_needs(tw, client):
    ticket = reported(tw, contact_name="王先生")
    act(tw.desk, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    client.force_login(tw.desk)
    detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'href="/tickets/{ticket.pk}/print/"' in detail
    response = client.get(f"/tickets/{ticket.pk}/print/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        ticket.number,
        "派工单",
        "1栋-1201",
        "厨房水管漏水",
        "维修工",
        "用料",
        "维修人员签字",
        "业主/报事人签字",
    ):
        assert text in page, text
    assert 'data-testid="work-order-deadlines"' in page  # the stage deadlines the technician must meet
    assert "data-print" in page  # one button prints it


def test_work_order_of_another_project_is_not_found(tw, client):
    ticket = reported(tw)
    client.force_login(tw.sibling_desk)
    assert client.get(f"/tickets/{ticket.pk}/print/").status_code == 404
