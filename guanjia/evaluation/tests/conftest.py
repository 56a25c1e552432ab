"""The service-request world, and a month of one technician's work built through the services."""

import datetime
import zoneinfo

import pytest

from guanjia.sla.tests.helpers import act, receive
from guanjia.tickets.choices import Action, Kind
from guanjia.tickets.tests import conftest as tickets

tw = tickets.tw  # the service-request world

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
M = datetime.timedelta(minutes=1)


def at(day, hour, minute=0, month=3):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SH)


def repair(tw, *, start, accept_after, complete_after, tech="technician"):
    """A repair received at ``start``, dispatched a minute later to ``tech``, accepted, on site and
    completed after the given delays."""
    t = receive(tw, when=start, resident_id=tw.resident.pk)
    t = act(tw, tw.desk, t, Action.DISPATCH, when=start + M, assignee_id=tw.staff[tech].pk)
    worker = getattr(tw, tech)
    t = act(tw, worker, t, Action.ACCEPT, when=start + accept_after)
    t = act(tw, worker, t, Action.ARRIVE, when=start + accept_after + M)
    return act(tw, worker, t, Action.COMPLETE, when=start + complete_after, resolution="已修好")


@pytest.fixture
def work(tw):
    """March 2026 at P1, for the technician:
    a) accepted in 5 min, completed in 2 h: on time twice; followed up satisfied (5), rated 4;
    b) accepted after 2 h (late), completed in 3 h; follow-up unsatisfied → rework → done again,
       followed up satisfied (3);
    c) a complaint received on 20 March naming the technician;
    plus technician2's one repair, and a complaint naming the technician received in April."""
    a = repair(tw, start=at(2, 10), accept_after=5 * M, complete_after=120 * M)
    a = act(tw, tw.desk, a, Action.FOLLOW_UP, when=at(3, 10), satisfied=True, score=5)
    a = act(tw, tw.resident_user, a, Action.RATE, when=at(3, 11), score=4)

    b = repair(tw, start=at(10, 10), accept_after=120 * M, complete_after=180 * M)
    b = act(tw, tw.desk, b, Action.FOLLOW_UP, when=at(11, 9), satisfied=False, score=2, root_cause="未修好")
    b = act(
        tw,
        tw.desk,
        b,
        Action.DISPATCH,
        when=at(11, 10),
        assignee_id=tw.staff["technician"].pk,
        root_cause="密封圈老化",
    )
    b = act(tw, tw.technician, b, Action.ACCEPT, when=at(11, 10, 5))
    b = act(tw, tw.technician, b, Action.ARRIVE, when=at(11, 10, 20))
    b = act(tw, tw.technician, b, Action.COMPLETE, when=at(11, 12), resolution="已返修")
    b = act(tw, tw.desk, b, Action.FOLLOW_UP, when=at(12, 9), satisfied=True, score=3)

    repair(tw, start=at(15, 10), accept_after=5 * M, complete_after=60 * M, tech="technician2")
    body = {
        "kind": Kind.COMPLAINT,
        "description": "维修工态度差",
        "subject_staff_id": tw.staff["technician"].pk,
    }
    receive(tw, when=at(20, 9), **body)
    receive(tw, when=at(2, 9, month=4), **body)
    return tw
