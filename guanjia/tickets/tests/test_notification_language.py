"""The request's notifications are read in the reader's language (the bell and the API)."""

import pytest

from guanjia.testing.api import Api
from guanjia.tickets import services
from guanjia.tickets.choices import Action

pytestmark = pytest.mark.django_db


def latest(user, language: str) -> dict:
    api = Api(user)
    api.headers["Accept-Language"] = language
    return api.get("notifications").json()["items"][0]


def test_the_technician_reads_the_dispatch_in_english_and_the_resident_in_chinese(
    tw, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=tw.resident_user, data={"unit_id": tw.unit.pk, "description": "厨房水管漏水"}
        )
        services.ticket_act(
            actor=tw.butler,
            ticket=ticket,
            action=Action.DISPATCH,
            data={"assignee_id": tw.staff["technician"].pk},
        )
    assert latest(tw.technician, "en")["subject"] == f"{ticket.number} Dispatch"
    assert latest(tw.technician, "zh-hans")["subject"] == f"{ticket.number} 派工"
    assert latest(tw.resident_user, "zh-hans")["subject"] == f"{ticket.number} 已安排师傅处理"
    assert latest(tw.resident_user, "en")["subject"] == f"{ticket.number} A technician has been assigned"
