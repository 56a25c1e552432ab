"""Any sequence of actions by anyone keeps every request consistent.

Hypothesis drives the workflow with random people performing random actions with complete or
incomplete input. Each outcome must be a domain answer (done, 409, 403, 422, 404), never a crash;
after every step each request must still make sense: someone is accountable for it, a closed
request was followed up, a cancelled one says why, its timeline has one event per change and the
events join up from one status to the next.
"""

import itertools
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.testing.api import snapshot
from guanjia.tickets import services, workflow
from guanjia.tickets.choices import Action, Kind, Status
from guanjia.tickets.models import Ticket, TicketEvent

DOMAIN_ERRORS = (Conflict, NotAllowed, NotFound, ValidationError)
PEOPLE = [
    "desk",
    "butler",
    "technician",
    "technician2",
    "head",
    "manager",
    "resident_user",
    "other_resident_user",
    "sibling_desk",
    "hq",
]
RECEIVERS = ["desk", "butler", "manager", "hq", "technician", "resident_user", "other_resident_user"]
NEEDS_ASSIGNEE = frozenset({Status.DISPATCHED, Status.ACCEPTED, Status.ON_SITE})
ACTIONS = sorted(workflow.ACTIONS)
FIELDS = sorted({f for t in workflow.TRANSITIONS for f in t.required} | {"comment", "note"})
MAX_TICKETS = 3

# Now and then blank (refused with 422); mostly something a person would write.
text = st.sampled_from(
    ["", " ", "水管接头老化", "业主不在家，约明天上午", "已处理", "厨房水管漏水", "楼道灯不亮"]
)
good_text = st.sampled_from(["水管接头老化", "业主不在家，约明天上午", "已处理", "请尽快"])


def _allowed_in(message: str) -> list[str]:
    """The action labels a 409 message offers: 「…现在可以：派工、备注」."""
    offered = message.rsplit("：", 1)[-1]
    return [] if offered == "无" else offered.split("、")


class TicketMachine(RuleBasedStateMachine):
    def __init__(self, world):
        super().__init__()
        self.w = world
        # Each run of the machine rolls back everything it did, so runs start from the same world.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.done: dict[int, int] = {}  # ticket id → successful actions on it (create included)
        self.outcomes: dict[str, int] = {}
        self.reached: set[str] = set()
        staff = world.staff
        self.project_staff = [staff[n].pk for n in ["technician", "technician2", "butler", "desk", "head"]]
        self.other_staff = [staff["sibling_desk"].pk, 10**9]
        # Who each person is to a request: ("staff", staff id) or ("resident", resident id).
        self.ids = {}
        for name in PEOPLE:
            scope = scope_for(getattr(world, name))
            self.ids[name] = ("staff", scope.staff_id) if scope.staff_id else ("resident", scope.resident_id)

    @staticmethod
    def _concerned(ticket) -> set:
        return {
            ("staff", ticket.assignee_id),
            ("staff", ticket.first_contact_id),
            ("resident", ticket.reporter_resident_id),
        }

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _count(self, outcome: str):
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    @precondition(lambda self: len(self.done) < MAX_TICKETS)
    @rule(
        receiver=st.sampled_from(RECEIVERS),
        kind=st.sampled_from(Kind.values),
        place=st.sampled_from(["unit", "building", "location"]),
        description=text,
    )
    def receive(self, receiver, kind, place, description):
        w = self.w
        data = {"kind": kind, "description": description}
        if receiver == "other_resident_user":
            data["unit_id"] = w.other_unit.pk
        elif receiver == "resident_user" or place == "unit":
            data["unit_id"] = w.unit.pk
        elif place == "building":
            data["building_id"] = w.building.pk
        else:
            data.update(project_id=w.project.pk, location="3号楼东侧路灯")
        try:
            ticket = services.ticket_create(actor=getattr(w, receiver), data=data)
        except DOMAIN_ERRORS as exc:
            self._count(type(exc).__name__)
            assert not description.strip(), exc  # only an empty description is refused here
            return
        self._count("created")
        self.done[ticket.pk] = 1

    @precondition(lambda self: self.done)
    @rule(data=st.data(), person=st.sampled_from(PEOPLE), anyone=st.booleans(), any_action=st.booleans())
    def act(self, data, person, anyone, any_action):
        ticket_id = data.draw(st.sampled_from(sorted(self.done)), label="ticket")
        # Half the time anyone does any action at all; otherwise someone concerned (or anyone, a
        # quarter of the time) does what the table lets them do now, so runs get deep into the loop.
        ticket = Ticket.objects.get(pk=ticket_id)
        concerned = [n for n in PEOPLE if self.ids[n] in self._concerned(ticket)]
        if not anyone and concerned:
            person = data.draw(st.sampled_from(concerned), label="concerned")
        fitting = workflow.allowed_actions(ticket, scope_for(getattr(self.w, person)))
        pool = ACTIONS if any_action or not fitting else fitting
        action = data.draw(st.sampled_from(pool), label="action")
        body = {}
        for field in FIELDS:
            if not data.draw(st.integers(0, 9), label=f"{field}?"):
                continue  # one time in ten a field is left out
            if field in ("assignee_id", "first_contact_id"):
                pool = self.project_staff if data.draw(st.integers(0, 9)) else self.other_staff
                body[field] = data.draw(st.sampled_from(pool), label=field)
            elif field == "score":
                body[field] = data.draw(st.sampled_from([0, 1, 2, 3, 4, 5, 2, 3, 4, 5, 5, 6]), label=field)
            elif field == "satisfied":
                body[field] = data.draw(st.booleans(), label=field)
            else:
                body[field] = data.draw(text if field in ("note", "comment") else good_text, label=field)
        actor = getattr(self.w, person)
        before = snapshot(Ticket(pk=ticket_id))
        try:
            ticket = visible_or_404(Ticket.objects, ticket_id, actor)
            services.ticket_act(actor=actor, ticket=ticket, action=action, data=body)
        except Conflict as exc:
            self._count("Conflict")
            self._check_conflict(ticket_id, actor, exc)
        except DOMAIN_ERRORS as exc:
            self._count(type(exc).__name__)
        else:
            self._count("ok")
            self.done[ticket_id] += 1
            return
        assert snapshot(Ticket(pk=ticket_id)) == before, "a refused action changed the request"

    def _check_conflict(self, ticket_id, actor, exc):
        ticket = Ticket.objects.get(pk=ticket_id)
        allowed = workflow.allowed_actions(ticket, scope_for(actor))
        if "allowed" in exc.extra:
            # The 409 of an illegal action: it offers exactly what the table allows this person.
            assert exc.extra["allowed"] == allowed
            assert _allowed_in(exc.message) == [str(Action(a).label) for a in allowed] or (
                not allowed and _allowed_in(exc.message) == []
            )

    @invariant()
    def every_request_is_consistent(self):
        if not self.done:
            return
        tickets = Ticket.objects.filter(pk__in=self.done)
        events: dict[int, list[TicketEvent]] = {pk: [] for pk in self.done}
        for event in TicketEvent.objects.filter(ticket_id__in=self.done).order_by("time", "id"):
            events[event.ticket_id].append(event)
        for t in tickets:
            self.reached.add(t.status)
            assert t.first_contact_id is not None, t.number
            if t.status == Status.CLOSED:
                assert t.followed_up_at is not None and t.closed_at is not None, t.number
            else:
                assert t.closed_at is None, t.number
            if t.status == Status.CANCELLED:
                assert t.cancel_reason.strip() and t.cancelled_at, t.number
            assert bool(t.status_before_hold) == (t.status == Status.ON_HOLD), t.number
            if t.status in NEEDS_ASSIGNEE:
                assert t.assignee_id is not None, t.number

            timeline = events[t.pk]
            assert len(timeline) == self.done[t.pk], (t.number, [e.action for e in timeline])
            assert timeline[0].action == Action.CREATE
            assert (timeline[0].from_status, timeline[0].to_status) == ("", Status.RECEIVED)
            for earlier, later in itertools.pairwise(timeline):
                assert later.from_status == earlier.to_status, (t.number, earlier.action, later.action)
            assert timeline[-1].to_status == t.status


@pytest.mark.django_db
def test_any_sequence_of_actions_keeps_every_request_consistent(tw):
    machines = []

    def factory():
        machines.append(TicketMachine(tw))
        return machines[-1]

    started = time.perf_counter()
    run_state_machine_as_test(
        factory,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
    elapsed = time.perf_counter() - started
    totals: dict[str, int] = {}
    for machine in machines:
        for outcome, n in machine.outcomes.items():
            totals[outcome] = totals.get(outcome, 0) + n
    reached = set().union(*(m.reached for m in machines))
    print(
        f"\nstate machine: {len(machines)} runs in {elapsed:.1f}s, outcomes {totals}, reached {sorted(reached)}"
    )
    # The machine explored real work, not just refusals.
    assert totals.get("ok", 0) > 100, totals
    assert {Status.RECEIVED, Status.DISPATCHED, Status.COMPLETED} <= reached, reached
    assert Ticket.objects.count() == 0  # every run rolled back
