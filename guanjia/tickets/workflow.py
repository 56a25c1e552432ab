"""The life of a request, as data: which action moves it from which state to which, who may do it,
and what they must say. ``services.ticket_act`` is the one function that performs any of them.

Besides the company roles of ``core.roles.Role``, a transition may name the actor's relation to
this request: ``ASSIGNEE`` (the person sent to do the work), ``FIRST_CONTACT`` (the accountable
receiver, 首问负责人) and ``REPORTER`` (the resident who reported it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from guanjia.core.roles import Role
from guanjia.tickets.choices import DESK_KINDS, FEEDBACK_KINDS, Action, Status

ASSIGNEE = "assignee"
FIRST_CONTACT = "first_contact"
REPORTER = "reporter"
# The platform itself (auto-dispatch, ``dispatch.services``): never a relation of a person, only
# held when a service calls ``ticket_act(actor=None, system={...})``.
SYSTEM = "system"

# Who sends people and keeps the desk: they may dispatch, reassign, cancel.
DISPATCHERS = frozenset(
    {Role.DESK, Role.BUTLER, Role.DEPARTMENT_HEAD, Role.PROJECT_MANAGER, Role.HQ_CENTER, FIRST_CONTACT}
)
# Who talks to the resident: follow-up calls, first answers, closing.
RESIDENT_FACING = frozenset({Role.DESK, Role.BUTLER, Role.PROJECT_MANAGER, Role.HQ_CENTER, FIRST_CONTACT})
# Everyone working on a request may comment, escalate by hand or put it on hold.
WORKERS = DISPATCHERS | {ASSIGNEE}

S = Status
WORK_IN_PROGRESS = frozenset({S.RECEIVED, S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.REWORK})
OPEN = frozenset(set(Status) - {S.CLOSED, S.CANCELLED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status stays, or the action decides (follow-up, resume)
    roles: frozenset[str]
    required: tuple[str, ...] = ()
    kinds: frozenset[str] | None = None  # None: every kind of request
    when: Callable[[object], bool] | None = None  # a condition on the request besides its state

    def applies_to(self, ticket) -> bool:
        return (
            ticket.status in self.sources
            and (self.kinds is None or ticket.kind in self.kinds)
            and (self.when is None or self.when(ticket))
        )


def _t(action, sources, target, roles, required=(), kinds=None, when=None) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), tuple(required), kinds, when)


def not_yet_rated(ticket) -> bool:
    """The resident has not rated this round of work (a new round, rework, clears the rating)."""
    return ticket.rating is None


TRANSITIONS: tuple[Transition, ...] = (
    _t(Action.DISPATCH, {S.RECEIVED}, S.DISPATCHED, DISPATCHERS | {SYSTEM}, ["assignee_id"]),
    # Work starts again after rework only once someone has said why it failed (原因分析).
    _t(Action.DISPATCH, {S.REWORK}, S.DISPATCHED, DISPATCHERS, ["assignee_id", "root_cause"]),
    _t(Action.ACCEPT, {S.DISPATCHED}, S.ACCEPTED, {ASSIGNEE}),
    _t(Action.REJECT, {S.DISPATCHED}, S.RECEIVED, {ASSIGNEE}, ["reason"]),
    _t(Action.ARRIVE, {S.ACCEPTED}, S.ON_SITE, {ASSIGNEE}),
    _t(Action.COMPLETE, {S.ON_SITE}, S.COMPLETED, {ASSIGNEE}, ["resolution"]),
    # Complaints, inquiries, suggestions and praise are resolved by the people who answer them.
    _t(
        Action.COMPLETE,
        {S.RECEIVED, S.DISPATCHED, S.ACCEPTED, S.ON_SITE, S.REWORK},
        S.COMPLETED,
        RESIDENT_FACING | {ASSIGNEE, Role.DEPARTMENT_HEAD},
        ["resolution"],
        kinds=DESK_KINDS,
    ),
    _t(
        Action.FIRST_FEEDBACK,
        WORK_IN_PROGRESS | {S.ON_HOLD},
        None,
        RESIDENT_FACING | {ASSIGNEE, Role.DEPARTMENT_HEAD},
        ["feedback"],
        kinds=FEEDBACK_KINDS,
    ),
    # The call-back: satisfied → followed up (closed at once if the resident has already rated);
    # not satisfied → rework with a root cause.
    _t(Action.FOLLOW_UP, {S.COMPLETED}, None, RESIDENT_FACING, ["satisfied", "score"]),
    # The resident rates as soon as the work is done, once per round; the call-back still happens.
    # Rated after the call-back, the rating closes the request.
    _t(Action.RATE, {S.COMPLETED}, None, {REPORTER}, ["score"], when=not_yet_rated),
    _t(Action.RATE, {S.FOLLOWED_UP}, S.CLOSED, {REPORTER}, ["score"], when=not_yet_rated),
    _t(Action.REOPEN, {S.COMPLETED, S.FOLLOWED_UP}, S.REWORK, {REPORTER}, ["reason"]),
    _t(Action.CLOSE, {S.FOLLOWED_UP}, S.CLOSED, RESIDENT_FACING),
    _t(Action.HOLD, WORK_IN_PROGRESS, S.ON_HOLD, WORKERS, ["reason"]),
    _t(Action.RESUME, {S.ON_HOLD}, None, WORKERS),
    _t(
        Action.REASSIGN,
        {S.DISPATCHED, S.ACCEPTED, S.ON_SITE},
        S.DISPATCHED,
        DISPATCHERS,
        ["assignee_id", "reason"],
    ),
    _t(Action.ESCALATE, OPEN, None, WORKERS, ["reason"]),
    _t(
        Action.CANCEL,
        {S.RECEIVED, S.DISPATCHED, S.ACCEPTED, S.ON_HOLD, S.REWORK},
        S.CANCELLED,
        DISPATCHERS,
        ["reason"],
    ),
    _t(Action.CANCEL, {S.RECEIVED}, S.CANCELLED, {REPORTER}, ["reason"]),
    # First-contact accountability moves only by an explicit, recorded hand-over.
    _t(
        Action.HANDOVER,
        OPEN,
        None,
        {FIRST_CONTACT, Role.DEPARTMENT_HEAD, Role.PROJECT_MANAGER},
        ["first_contact_id", "reason"],
    ),
    _t(Action.COMMENT, set(Status), None, WORKERS | {Role.TECHNICIAN, Role.HQ_QUALITY, REPORTER}, ["note"]),
    # 催办: the desk nudges the person sent, once per person and window (``reminders``).
    _t(Action.REMIND, {S.DISPATCHED, S.ACCEPTED, S.ON_SITE}, None, DISPATCHERS),
    _t(Action.CONFIRM_CHARGES, {S.COMPLETED, S.FOLLOWED_UP, S.CLOSED}, None, RESIDENT_FACING | {ASSIGNEE}),
)

ACTIONS = frozenset(t.action for t in TRANSITIONS)


def relations(ticket, scope) -> frozenset[str]:
    """The actor's company roles plus their relation to this request."""
    mine = set(scope.roles)
    if scope.staff_id is not None:
        if ticket.assignee_id == scope.staff_id:
            mine.add(ASSIGNEE)
        if ticket.first_contact_id == scope.staff_id:
            mine.add(FIRST_CONTACT)
    if scope.resident_id is not None and ticket.reporter_resident_id == scope.resident_id:
        mine.add(REPORTER)
    return frozenset(mine)


def transitions_for(ticket, action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action and t.applies_to(ticket)]


def permitted(candidates: list[Transition], ticket, scope, *, system=None) -> list[Transition]:
    """Of the transitions that apply to the request now, those this person (or the system) may make."""
    mine = frozenset({SYSTEM}) if system is not None else relations(ticket, scope)
    return [t for t in candidates if t.roles & mine]


def allowed_actions(ticket, scope) -> list[str]:
    """The actions this person may take on this request now, in table order."""
    mine = relations(ticket, scope)
    seen: list[str] = []
    for t in TRANSITIONS:
        if t.applies_to(ticket) and t.roles & mine and t.action not in seen:
            seen.append(t.action)
    return seen
