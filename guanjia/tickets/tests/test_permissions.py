"""Who may do what to a request, cell by cell, generated from ``workflow.TRANSITIONS``.

For every transition of the table a request is brought (through the services) into a state where
the transition applies; then every person of the world tries the action through the API with
valid input. The answer must be 200 exactly when the table names one of the person's roles or
relations to the request (assignee, first contact, reporter), 403 otherwise, and 404 for people
who cannot see the request at all. A refused call changes nothing. Every action the table does
not have for a state answers 409 and lists what is allowed now.
"""

from __future__ import annotations

import pytest

from guanjia.core.roles import Role
from guanjia.core.scoping import scope_for
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f
from guanjia.testing.api import Api, snapshot
from guanjia.tickets import services, workflow
from guanjia.tickets.choices import Action, Kind, Status
from guanjia.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

S = Status
# How each status is reached from "received": (action, who, input). Statuses in this order are
# also the order in which a transition's first reachable source state is picked.
STEPS = {
    S.RECEIVED: [],
    S.DISPATCHED: [("dispatch", "desk", {"assignee_id": "technician"})],
    S.ACCEPTED: [("accept", "technician", {})],
    S.ON_SITE: [("arrive", "technician", {})],
    S.COMPLETED: [
        (
            "complete",
            "technician",
            {
                "resolution": "更换水龙头阀芯",
                "charges": [{"description": "水龙头阀芯", "quantity": "1", "unit_price": "30.00"}],
            },
        )
    ],
    S.FOLLOWED_UP: [("follow_up", "desk", {"satisfied": True, "score": 5, "comment": "业主满意"})],
    S.CLOSED: [("close", "desk", {})],
}
PATHS = {status: [step for s in list(STEPS)[: i + 1] for step in STEPS[s]] for i, status in enumerate(STEPS)}
PATHS[S.ON_HOLD] = [*PATHS[S.DISPATCHED], ("hold", "desk", {"reason": "等待配件"})]
PATHS[S.REWORK] = [*PATHS[S.COMPLETED], ("reopen", "resident_user", {"reason": "还在滴水"})]
PATHS[S.CANCELLED] = [("cancel", "desk", {"reason": "业主已自行处理"})]
ORDER = list(PATHS)
# Statuses in which the technician (the request's assignee) is still assigned to it.
ASSIGNED = frozenset({S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.COMPLETED, S.FOLLOWED_UP, S.CLOSED, S.ON_HOLD})

# Everyone who tries. "first_contact" is a technician the butler handed the request over to, so
# that the relation is tested apart from any dispatching role.
PEOPLE = [
    "desk",
    "butler",
    "technician",
    "technician2",
    "head",
    "manager",
    "hq",
    "admin",
    "first_contact",
    "resident_user",
]
STRANGERS = ["other_resident_user", "sibling_desk", "foreign_admin"]

# Valid input for each action (staff named by their world attribute, resolved to ids).
VALID = {
    Action.DISPATCH: {"assignee_id": "technician", "root_cause": "上次只紧固未更换"},
    Action.REJECT: {"reason": "不是我的专业"},
    Action.COMPLETE: {"resolution": "已处理"},
    Action.FIRST_FEEDBACK: {"feedback": "已联系相关部门，明天给您答复"},
    Action.FOLLOW_UP: {"satisfied": True, "score": 4, "comment": "满意"},
    Action.RATE: {"score": 5, "comment": "师傅很专业"},
    Action.REOPEN: {"reason": "还是漏水"},
    Action.HOLD: {"reason": "等待配件"},
    Action.REASSIGN: {"assignee_id": "technician2", "reason": "原师傅休假"},
    Action.ESCALATE: {"reason": "业主多次来电"},
    Action.CANCEL: {"reason": "业主已自行处理"},
    Action.HANDOVER: {"first_contact_id": "desk", "reason": "交接班"},
    Action.COMMENT: {"note": "已电话联系业主"},
}


@pytest.fixture
def pw(tw):
    """The ticket world plus a technician who will be a request's first contact (by hand-over)."""
    member = f.make_staff(
        company=tw.company,
        roles=[Role.TECHNICIAN],
        projects=[tw.project],
        department=Department.ENGINEERING,
        name="首问技工",
    )
    tw.first_contact = member.user
    tw.staff["first_contact"] = member
    tw.staff.setdefault("hq", StaffMember.objects.get(user=tw.hq))
    return tw


def _resolve(pw, data: dict) -> dict:
    body = dict(data)
    for field in ("assignee_id", "first_contact_id"):
        if field in body:
            body[field] = pw.staff[body[field]].pk
    return body


def put_in(pw, status: str, kind: str = Kind.HOME_REPAIR) -> Ticket:
    """A resident's request, handed over to ``pw.first_contact``, driven through the services to ``status``."""
    ticket = services.ticket_create(
        actor=pw.resident_user,
        data={"unit_id": pw.unit.pk, "kind": kind, "description": "卫生间水龙头一直滴水"},
    )
    services.ticket_act(
        actor=pw.butler,
        ticket=ticket,
        action=Action.HANDOVER,
        data={"first_contact_id": pw.staff["first_contact"].pk, "reason": "首问转交"},
    )
    for action, who, data in PATHS[status]:
        ticket = services.ticket_act(
            actor=getattr(pw, who), ticket=ticket, action=action, data=_resolve(pw, data)
        )
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def mine(pw, person: str, status: str) -> frozenset[str]:
    """The person's roles and relations to a request of ``put_in`` in ``status``, by construction."""
    have = set(scope_for(getattr(pw, person)).roles)
    if person == "technician" and status in ASSIGNED:
        have.add(workflow.ASSIGNEE)
    if person == "first_contact":
        have.add(workflow.FIRST_CONTACT)
    if person == "resident_user":
        have.add(workflow.REPORTER)
    return frozenset(have)


def applicable(action: str, status: str, kind: str) -> list[workflow.Transition]:
    return [
        t
        for t in workflow.TRANSITIONS
        if t.action == action and status in t.sources and (t.kinds is None or kind in t.kinds)
    ]


def expected_allowed(status: str, kind: str, have: frozenset[str]) -> list[str]:
    """The actions the table offers this person now, in table order."""
    offered: list[str] = []
    for t in workflow.TRANSITIONS:
        fits = status in t.sources and (t.kinds is None or kind in t.kinds)
        if fits and t.roles & have and t.action not in offered:
            offered.append(t.action)
    return offered


def _cases():
    """One cell row per transition: its first reachable source state, and a kind it applies to."""
    seen = []
    for t in workflow.TRANSITIONS:
        status = next(s for s in ORDER if s in t.sources)
        kind = sorted(t.kinds)[0] if t.kinds else Kind.HOME_REPAIR
        if (t.action, status, kind) not in seen:
            seen.append((t.action, status, kind))
    return seen


CASES = _cases()


def events(ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket).count()


@pytest.mark.parametrize(("action", "status", "kind"), CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_role_by_action_matrix(pw, action, status, kind):
    transitions = applicable(action, status, kind)
    assert transitions, "the case must be legal in its state"
    wrong = []
    for person in PEOPLE + STRANGERS:
        ticket = put_in(pw, status, kind)
        before, count = snapshot(ticket), events(ticket)
        response = Api(getattr(pw, person)).post(
            f"tickets/{ticket.pk}/{action}", _resolve(pw, VALID.get(action, {}))
        )
        if person in STRANGERS:
            expected = 404
        else:
            have = mine(pw, person, status)
            expected = 200 if any(t.roles & have for t in transitions) else 403
        if response.status_code != expected:
            wrong.append((person, expected, response.status_code, response.json().get("detail")))
            continue
        if expected == 200:
            assert events(ticket) == count + 1, person
            targets = {t.target for t in transitions if t.target is not None}
            if len(targets) == 1:
                assert response.json()["status"] == targets.pop(), person
        else:
            assert snapshot(ticket) == before, f"a refused {action} by {person} changed the request"
            assert events(ticket) == count, person
    assert not wrong, wrong


def test_matrix_covers_every_action_of_the_table():
    assert {c[0] for c in CASES} == workflow.ACTIONS
    assert len(CASES) * len(PEOPLE + STRANGERS) >= 250


@pytest.mark.parametrize("kind", [Kind.HOME_REPAIR, Kind.COMPLAINT])
@pytest.mark.parametrize("status", ORDER)
def test_every_illegal_action_is_409_listing_what_is_allowed(pw, status, kind):
    ticket = put_in(pw, status, kind)
    before, count = snapshot(ticket), events(ticket)
    illegal = [a for a in sorted(workflow.ACTIONS) if not applicable(a, status, kind)]
    assert illegal or status not in (S.CLOSED, S.CANCELLED)
    for person in ["desk", "technician", "resident_user", "admin"]:
        api = Api(getattr(pw, person))
        offered = [str(Action(a).label) for a in expected_allowed(status, kind, mine(pw, person, status))]
        allowed_now = api.get(f"tickets/{ticket.pk}").json()["allowed_actions"]
        assert allowed_now == expected_allowed(status, kind, mine(pw, person, status)), person
        for action in illegal:
            response = api.post(f"tickets/{ticket.pk}/{action}", _resolve(pw, VALID.get(action, {})))
            assert response.status_code == 409, (person, action, response.content)
            listed = response.json()["detail"].rsplit("：", 1)[-1]
            assert listed.split("、") == offered if offered else listed == "无", (person, action, listed)
    assert snapshot(ticket) == before and events(ticket) == count
