"""A request's notices are written in the transaction of the change (issue 24, "faults").

- Who hears is decided at that commit: dispatched to A and reassigned to B before any job runs,
  A hears of the dispatch and B of the reassignment (a job reading the request later told B both).
- Nothing waits in a queue that a killed worker could lose: the rows exist once the change
  commits, before any after-commit work runs, and the outbox's sweeper sends what is due.
- A change that fails writes no notice.
"""

import pytest
from django.db import transaction

from guanjia.notifications import services as outbox
from guanjia.notifications.models import Channel, Notification, State
from guanjia.tickets import services
from guanjia.tickets.choices import Action

pytestmark = pytest.mark.django_db


def _subjects(user):
    return list(
        Notification.objects.filter(recipient=user, channel=Channel.IN_APP).values_list("subject", flat=True)
    )


def _received(tw):
    return services.ticket_create(
        actor=tw.resident_user, data={"unit_id": tw.unit.pk, "description": "卫生间漏水"}
    )


def test_dispatched_to_a_then_reassigned_to_b_each_hears_their_own(tw, django_capture_on_commit_callbacks):
    # No after-commit callback runs in this block: what is written is written with the change.
    with django_capture_on_commit_callbacks(execute=False):
        ticket = _received(tw)
        ticket = services.ticket_act(
            actor=tw.butler,
            ticket=ticket,
            action=Action.DISPATCH,
            data={"assignee_id": tw.staff["technician"].pk},
        )
        services.ticket_act(
            actor=tw.butler,
            ticket=ticket,
            action=Action.REASSIGN,
            data={"assignee_id": tw.staff["technician2"].pk, "reason": "原师傅请假"},
        )
    assert _subjects(tw.technician) == [f"{ticket.number} 派工"]
    assert _subjects(tw.technician2) == [f"{ticket.number} 转派"]


def test_the_push_rows_survive_a_worker_that_never_ran_and_the_sweeper_sends_them(
    tw, django_capture_on_commit_callbacks, settings
):
    tw.technician.email = "tech@example.com"
    tw.technician.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the worker was killed
        ticket = _received(tw)
        services.ticket_act(
            actor=tw.butler,
            ticket=ticket,
            action=Action.DISPATCH,
            data={"assignee_id": tw.staff["technician"].pk},
        )
    assert callbacks, "delivery is still offered to a worker right after the commit"
    row = Notification.objects.get(recipient=tw.technician, channel=Channel.EMAIL)
    assert row.state == State.PENDING
    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0  # the sweeper running again sends nothing twice
    row.refresh_from_db()
    assert row.state == State.SENT


def test_a_refused_change_leaves_no_notice(tw):
    ticket = _received(tw)
    before = Notification.objects.count()
    with pytest.raises(Exception), transaction.atomic():
        services.ticket_act(
            actor=tw.butler,
            ticket=ticket,
            action=Action.DISPATCH,
            data={"assignee_id": tw.staff["technician"].pk},
        )
        raise RuntimeError("the request's transaction fails after the action")
    assert Notification.objects.count() == before


def test_a_resident_who_moved_out_hears_no_more_of_the_units_request(tw):
    from guanjia.estates.services import occupancy_end

    ticket = _received(tw)
    ticket = services.ticket_act(
        actor=tw.butler,
        ticket=ticket,
        action=Action.DISPATCH,
        data={"assignee_id": tw.staff["technician"].pk},
    )
    heard = _subjects(tw.resident_user)
    assert heard == [f"{ticket.number} 已安排师傅处理"]
    occupancy_end(actor=tw.admin, occupancy=tw.resident.occupancies.get())
    services.ticket_act(
        actor=tw.butler,
        ticket=ticket,
        action=Action.REASSIGN,
        data={"assignee_id": tw.staff["technician2"].pk, "reason": "原师傅请假"},
    )
    # The request left their portal with the move-out; its news stops with it. Staff still hear.
    assert _subjects(tw.resident_user) == heard
    assert _subjects(tw.technician2) == [f"{ticket.number} 转派"]
