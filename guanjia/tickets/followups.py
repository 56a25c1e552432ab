"""Follow-up calls (回访): who calls whom back, when, and how it went.

Completing a request, or giving a complaint its first answer, makes a ``FollowUpTask`` for the
request's first-contact person, scheduled at the next moment outside the residents' quiet hours.
Recording the follow-up action (``ticket_act(action="follow_up")``) closes it as satisfied or
unsatisfied; ``followup_unreachable`` records a call nobody answered and tries again later, at
most ``GUANJIA_FOLLOW_UP_MAX_ATTEMPTS`` (3) times, then gives up and says so in the timeline.

Sections: the hook called by ``tickets.services.ticket_act``; services; selectors; the page
"我的回访"; the API (``/api/v1/followups``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from ninja import Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, Schema
from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import service, visible_or_404
from guanjia.notifications.quiet_hours import next_allowed_time, quiet_windows
from guanjia.tickets import contact, timeline, workflow
from guanjia.tickets.choices import Action, Kind
from guanjia.tickets.models import (
    FOLLOW_UP_DONE,
    FOLLOW_UP_OPEN,
    FollowUpCall,
    FollowUpOutcome,
    FollowUpTask,
    Ticket,
    TicketEvent,
    TicketRework,
)
from guanjia.tickets.rounds import ReworkReason
from guanjia.web.helpers import console_view


def max_attempts() -> int:
    return int(getattr(settings, "GUANJIA_FOLLOW_UP_MAX_ATTEMPTS", 3))


def retry_interval() -> datetime.timedelta:
    """How long after an unanswered call the next try is scheduled (then pushed past quiet hours)."""
    return datetime.timedelta(minutes=int(getattr(settings, "GUANJIA_FOLLOW_UP_RETRY_MINUTES", 120)))


# The hook -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """The round of work an action judges (the rework count before it) and whose work it was:
    the assignee, else whoever completed it."""

    round: int
    handler_id: int | None


def on_ticket_event(
    ticket: Ticket, action: str, now: datetime.datetime, *, judged: Judged | None = None
) -> FollowUpTask | None:
    """Called by ``ticket_act`` inside its transaction, right after the action took effect.

    - ``complete`` (any kind), ``first_feedback`` of a complaint: make this round's task
      (idempotent: an open task of the round is kept as it is).
    - ``follow_up``: close the open task(s) as satisfied / unsatisfied; keep the call
      (``FollowUpCall``) and, if unsatisfied, the rework it starts (``TicketRework``).
    - ``reopen`` (the resident asks for rework before the call): keep the rework; with
      ``cancel``, withdraw open tasks.
    """
    if action == Action.COMPLETE or (action == Action.FIRST_FEEDBACK and ticket.kind == Kind.COMPLAINT):
        return _ensure_task(ticket, now)
    judged = judged or Judged(ticket.rework_count, ticket.assignee_id or ticket.completed_by_id)
    if action == Action.FOLLOW_UP:
        outcome = FollowUpOutcome.SATISFIED if ticket.follow_up_satisfied else FollowUpOutcome.UNSATISFIED
        _close_open(ticket, outcome, now, count_attempt=True)
        FollowUpCall.objects.create(
            company_id=ticket.company_id,
            project_id=ticket.project_id,
            ticket=ticket,
            round=judged.round,
            made_at=now,
            made_by_id=ticket.follow_up_by_id,
            handler_id=judged.handler_id,
            satisfied=bool(ticket.follow_up_satisfied),
            score=ticket.follow_up_score,
        )
        if not ticket.follow_up_satisfied:
            _record_rework(ticket, ReworkReason.FOLLOW_UP, now, judged)
    elif action in (Action.REOPEN, Action.CANCEL):
        _close_open(ticket, FollowUpOutcome.CANCELLED, now)
        if action == Action.REOPEN:
            _record_rework(ticket, ReworkReason.REOPEN, now, judged)
    return None


def _record_rework(ticket: Ticket, reason: str, now: datetime.datetime, judged: Judged) -> TicketRework:
    return TicketRework.objects.create(
        company_id=ticket.company_id,
        project_id=ticket.project_id,
        ticket=ticket,
        round=ticket.rework_count,
        started_at=now,
        reason=reason,
        handler_id=judged.handler_id,
    )


def _ensure_task(ticket: Ticket, now: datetime.datetime) -> FollowUpTask:
    existing = FollowUpTask.objects.filter(ticket=ticket, round=ticket.rework_count).open().first()
    if existing is not None:
        return existing
    return FollowUpTask.objects.create(
        company_id=ticket.company_id,
        project_id=ticket.project_id,
        ticket=ticket,
        round=ticket.rework_count,
        owner_id=ticket.first_contact_id,
        scheduled_for=next_allowed_time(now, quiet_windows(ticket.company_id)),
    )


def _close_open(ticket: Ticket, outcome: str, now: datetime.datetime, *, count_attempt: bool = False) -> None:
    for task in FollowUpTask.objects.filter(ticket=ticket).open():
        task.outcome = outcome
        task.closed_at = now
        if count_attempt:
            task.attempts += 1
            task.last_attempt_at = now
        task.save(update_fields=["outcome", "closed_at", "attempts", "last_attempt_at", "updated_at"])


def ticket_record_follow_up_gave_up(*, ticket: Ticket, actor, note: str, when) -> TicketEvent:
    """A follow-up call given up after too many unanswered tries (``followups``), in the timeline."""
    return timeline.record_event(
        ticket,
        actor=actor,
        action=Action.COMMENT,
        from_status=ticket.status,
        note=note,
        data={"follow_up": "gave_up"},
        when=when,
    )


# Services -------------------------------------------------------------------------------------------


@service
def followup_unreachable(*, actor, task: FollowUpTask, note: str = "", now=None) -> FollowUpTask:
    """Record a follow-up call nobody answered; try again at the next allowed time after the retry
    interval, or — at the ``max_attempts``-th unanswered call — give up and record it in the timeline.
    """
    now = now or timezone.now()
    locked = FollowUpTask.objects.visible_to(actor).select_for_update().filter(pk=task.pk).first()
    if locked is None:
        raise NotFound(_("%(model)s 不存在") % {"model": FollowUpTask._meta.verbose_name})
    ticket = Ticket.objects.get(pk=locked.ticket_id)
    scope = scope_for(actor)
    if locked.owner_id != scope.staff_id and not (
        workflow.relations(ticket, scope) & workflow.RESIDENT_FACING
    ):
        raise NotAllowed(_("您不能记录此回访"))
    if not locked.is_open:
        raise Conflict(_("该回访已结束（%(outcome)s）") % {"outcome": locked.get_outcome_display()})
    note = (note or "").strip()[:200]
    locked.attempts += 1
    locked.last_attempt_at = now
    locked.note = note or locked.note
    if locked.attempts >= max_attempts():
        locked.outcome = FollowUpOutcome.GAVE_UP
        locked.closed_at = now
        ticket_record_follow_up_gave_up(
            ticket=ticket,
            actor=actor,
            note=note or _("回访 %(n)s 次均未联系上") % {"n": locked.attempts},
            when=now,
        )
    else:
        locked.outcome = FollowUpOutcome.UNREACHABLE
        locked.scheduled_for = next_allowed_time(now + retry_interval(), quiet_windows(locked.company_id))
    locked.save()
    return locked


# Selectors ------------------------------------------------------------------------------------------


def tasks_for(user):
    return FollowUpTask.objects.visible_to(user).select_related("ticket", "owner")


def my_due_tasks(user, *, now=None):
    """My open follow-up tasks whose time has come, the oldest first."""
    now = now or timezone.now()
    staff_id = scope_for(user).staff_id or -1
    return (
        tasks_for(user)
        .open()
        .filter(owner_id=staff_id, scheduled_for__lte=now)
        .order_by("scheduled_for", "id")
    )


@dataclass(frozen=True)
class FollowUpRate:
    due: int
    done: int

    @property
    def rate(self) -> float | None:
        """Share of due tasks done (satisfied or unsatisfied); None when nothing was due."""
        return self.done / self.due if self.due else None


def followup_rate(tasks, *, now=None) -> FollowUpRate:
    """The follow-up rate (回访率) of a set of tasks (filter them by project, owner, period first).

    Due: tasks whose time has come, or that were done early; withdrawn tasks do not count.
    Done: called back with an answer (satisfied / unsatisfied); "gave up" is due but not done.
    One aggregate query.
    """
    now = now or timezone.now()
    counted = tasks.exclude(outcome=FollowUpOutcome.CANCELLED)
    figures = counted.aggregate(
        due=Count("id", filter=Q(scheduled_for__lte=now) | Q(outcome__in=FOLLOW_UP_DONE)),
        done=Count("id", filter=Q(outcome__in=FOLLOW_UP_DONE)),
    )
    return FollowUpRate(due=figures["due"], done=figures["done"])


# The page "我的回访" --------------------------------------------------------------------------------


@console_view(Perm.VIEW_ESTATES)
@require_http_methods(["GET", "POST"])
def my_followups(request, pk: int | None = None):
    """GET: my follow-up calls due now. POST .../<pk>/unreachable/: nobody answered."""
    if request.method == "POST" and pk is not None:
        task = visible_or_404(tasks_for(request.user), pk, request.user)
        try:
            task = followup_unreachable(actor=request.user, task=task, note=request.POST.get("note", ""))
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            if task.outcome == FollowUpOutcome.GAVE_UP:
                messages.warning(request, _("%(n)s：多次联系不上，已记录") % {"n": task.ticket.number})
            else:
                when = timezone.localtime(task.scheduled_for).strftime("%m-%d %H:%M")
                messages.success(
                    request, _("%(n)s：已改约 %(when)s 再次回访") % {"n": task.ticket.number, "when": when}
                )
        return redirect("ticket_followups")
    if scope_for(request.user).is_resident:
        return redirect("portal_home")
    now = timezone.now()
    tasks = list(my_due_tasks(request.user, now=now).select_related("ticket__project")[:200])
    scope = scope_for(request.user)
    for task in tasks:  # the number is shown masked; who may call sees it in full on a tap (journaled)
        task.can_reveal = contact.may_reveal_phone(task.ticket, scope)
    later = (
        tasks_for(request.user)
        .open()
        .filter(owner_id=scope_for(request.user).staff_id or -1, scheduled_for__gt=now)
        .count()
    )
    return render(
        request,
        "tickets/followups.html",
        {"tasks": tasks, "later_count": later, "max_attempts": max_attempts(), "title": _("我的回访")},
    )


# The API --------------------------------------------------------------------------------------------

router = Router(tags=["followups"])


class FollowUpOut(Schema):
    id: int
    ticket_id: int
    ticket_number: str
    project_id: int
    round: int
    owner_id: int
    scheduled_for: datetime.datetime
    attempts: int
    outcome: FollowUpOutcome
    last_attempt_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    note: str

    @staticmethod
    def resolve_ticket_number(obj) -> str:
        return obj.ticket.number


class UnreachableIn(Schema):
    note: str = ""


@router.get(
    "/followups",
    response={200: list[FollowUpOut], **ERROR_RESPONSES},
    operation_id="followup_list",
    summary="Follow-up call tasks, soonest first",
)
@paginate(Pagination)
def followup_list(request, mine: bool = False, open: bool | None = None, due: bool | None = None):
    """``mine=true``: mine only; ``open=true``: still to call; ``due=true``: their time has come."""
    qs = tasks_for(request.user)
    if mine:
        qs = qs.filter(owner_id=scope_for(request.user).staff_id or -1)
    if open is not None:
        qs = qs.filter(outcome__in=FOLLOW_UP_OPEN) if open else qs.exclude(outcome__in=FOLLOW_UP_OPEN)
    if due is not None:
        now = timezone.now()
        qs = qs.filter(scheduled_for__lte=now) if due else qs.filter(scheduled_for__gt=now)
    return qs.order_by("scheduled_for", "id")


@router.post(
    "/followups/{int:pk}/unreachable",
    response={200: FollowUpOut, **ERROR_RESPONSES},
    operation_id="followup_unreachable",
    summary="Record an unanswered follow-up call",
)
def followup_unreachable_api(request, pk: int, payload: UnreachableIn | None = None):
    """Rescheduled at the next allowed time; after the last allowed try the task is given up."""
    task = visible_or_404(tasks_for(request.user), pk, request.user)
    followup_unreachable(actor=request.user, task=task, note=payload.note if payload else "")
    return tasks_for(request.user).get(pk=pk)
