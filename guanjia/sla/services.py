"""Deadlines and the escalation ladder: default data, which policy applies, the stored deadline of
each stage (started, paused, resumed and finished by the request's actions), overdue queries, and
the job that takes escalation steps exactly once."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.cache import shared_cached
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Role
from guanjia.core.services import service
from guanjia.core.subqueries import has_row
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.sla.calendar import add_working_time, calendar_days
from guanjia.sla.choices import DEFAULT_THRESHOLDS, CalendarKind, LadderStep, Stage
from guanjia.sla.models import Calendar, CalendarDay, Escalation, SlaPolicy, TicketDeadline
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import FEEDBACK_KINDS, REPAIR_KINDS, Action, Priority, Status
from guanjia.tickets.defaults import company_defaults_ensure
from guanjia.tickets.events import Transition
from guanjia.tickets.models import Ticket, TicketCategory
from guanjia.tickets.services import ticket_record_escalation

logger = logging.getLogger(__name__)

ALWAYS_CALENDAR = "7×24小时"
BUSINESS_CALENDAR = "工作时间"
DAY = 24 * 60
ORDINARY_REPAIR_MINUTES = 15  # seed 000: 随传随到，最慢不得超过15分钟
# The stages of one round of repair work, and the action that finishes each.
WORK_STAGES = (Stage.RESPONSE, Stage.ON_SITE, Stage.COMPLETE)
DONE_BY = {
    Action.ACCEPT: (Stage.RESPONSE,),
    Action.ARRIVE: (Stage.ON_SITE,),
    # Completing finishes the round (a desk resolution is the written answer as well).
    Action.COMPLETE: (Stage.RESPONSE, Stage.ON_SITE, Stage.COMPLETE, Stage.FEEDBACK),
    Action.FIRST_FEEDBACK: (Stage.FEEDBACK,),
    Action.FOLLOW_UP: (Stage.FOLLOW_UP,),
    Action.REOPEN: (Stage.FOLLOW_UP,),
}
# A request that ends (closed by the desk, the resident's rating or a call-back after it, or
# cancelled) finishes every clock still running.
ENDED = frozenset({Status.CLOSED, Status.CANCELLED})

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


# Default data -------------------------------------------------------------------------------------


def public_holidays(year: int) -> list[tuple[datetime.date, bool, str]]:
    """China's public holidays (not working) and make-up working days (调休) of ``year``, from the
    ``chinese-calendar`` package; an empty list for a year it does not know yet (admins add those
    days on the settings page)."""
    try:
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - the package is a pinned dependency
        return []
    rows = []
    for day, holiday in constants.holidays.items():
        if day.year == year:
            rows.append((day, False, HOLIDAY_NAMES.get(str(holiday), str(holiday))))
    for day, holiday in constants.workdays.items():
        if day.year == year:
            name = HOLIDAY_NAMES.get(str(holiday), str(holiday))
            rows.append((day, True, _("%(name)s调休上班") % {"name": name}))
    return sorted(rows)


@service
def sla_defaults_ensure(*, company, actor=None, today: datetime.date | None = None) -> None:
    """Give a company its calendars, public holidays of this and next year, and default policies,
    once; running it again adds only what is missing (an admin's edits stay)."""
    always, _created = Calendar.objects.get_or_create(
        company=company, name=ALWAYS_CALENDAR, defaults={"kind": CalendarKind.ALWAYS}
    )
    business, _created = Calendar.objects.get_or_create(
        company=company,
        name=BUSINESS_CALENDAR,
        defaults={"kind": CalendarKind.BUSINESS, "work_starts": "08:30", "work_ends": "17:30"},
    )
    company_defaults_ensure(company=company)  # the category tree the 保洁 policy names
    today = today or timezone.localdate()
    known = set(CalendarDay.objects.filter(calendar=business).values_list("date", flat=True))
    new_days = [
        CalendarDay(company=company, calendar=business, date=day, is_working=working, note=note[:40])
        for year in (today.year, today.year + 1)
        for day, working, note in public_holidays(year)
        if day not in known
    ]
    if new_days:
        journal_bulk_create(CalendarDay.objects.bulk_create(new_days))
    if SlaPolicy.objects.filter(company=company).exists():
        return
    cleaning = TicketCategory.objects.filter(company=company, parent=None, name="保洁").first()
    thresholds = list(DEFAULT_THRESHOLDS)
    defaults = [
        # Seed 000: engineering answers a repair call at once, on site within 15 minutes at the
        # latest (随传随到，最慢不得超过15分钟) — the company's promise, not only the urgent one's.
        {
            "name": _("公司默认（一般报修）"),
            "response_minutes": ORDINARY_REPAIR_MINUTES,
            "on_site_minutes": ORDINARY_REPAIR_MINUTES,
            "complete_minutes": DAY,
            "follow_up_minutes": DAY,
        },
        {
            "name": _("急修"),
            "priority": Priority.URGENT,
            "response_minutes": 5,
            "on_site_minutes": 15,
            "complete_minutes": DAY,
            "follow_up_minutes": DAY,
        },
        {"name": _("投诉"), "kind": "complaint", "feedback_minutes": DAY, "follow_up_minutes": DAY},
        {"name": _("咨询"), "kind": "inquiry", "feedback_minutes": DAY, "follow_up_minutes": DAY},
    ]
    if cleaning is not None:
        defaults.append(
            {
                "name": _("保洁"),
                "category": cleaning,
                "response_minutes": 10,
                "complete_minutes": 30,
                "follow_up_minutes": DAY,
            }
        )
    for values in defaults:
        SlaPolicy.objects.create(company=company, calendar=always, thresholds=thresholds, **values)


# The company's policies and calendars (shared cache) -----------------------------------------------


@dataclass(frozen=True)
class CompanySla:
    policies: tuple[SlaPolicy, ...]  # the active ones, each with its calendar
    days: dict[int, dict[datetime.date, bool]]  # calendar id → its exceptions (``calendar_days``)

    def days_of(self, calendar) -> dict[datetime.date, bool]:
        return self.days.get(calendar.pk, {}) if calendar is not None else {}


def company_sla(company_id: int) -> CompanySla:
    """The company's active policies and their calendars' exceptions. Every request received reads
    them, administrators rarely change them: kept in the shared cache (``core.cache``), dropped on
    any change of a policy, calendar or calendar day (``shared_cache`` on those models)."""
    return shared_cached("sla", company_id, lambda: _read_sla(company_id))


def _read_sla(company_id: int) -> CompanySla:
    policies = tuple(
        SlaPolicy.objects.filter(company_id=company_id, is_active=True).select_related("calendar")
    )
    days: dict[int, dict[datetime.date, bool]] = {p.calendar_id: {} for p in policies if p.calendar_id}
    for calendar_id, date, working in CalendarDay.objects.filter(calendar_id__in=list(days)).values_list(
        "calendar_id", "date", "is_working"
    ):
        days[calendar_id][date] = working
    return CompanySla(policies, days)


# Which policy applies -----------------------------------------------------------------------------


def policy_for(ticket, sla: CompanySla | None = None) -> SlaPolicy | None:
    """The most specific active policy for a request: project+category+priority > project+category >
    project+priority > project > category+priority > category > priority > kind > company default.
    A policy for a category applies to its sub-categories too (the exact category wins a tie)."""
    categories = set()
    if ticket.category_id:
        categories.add(ticket.category_id)
        parent_id = getattr(ticket.category, "parent_id", None)
        if parent_id:
            categories.add(parent_id)
    sla = sla or company_sla(ticket.company_id)
    candidates = [
        policy
        for policy in sla.policies
        if policy.project_id in (None, ticket.project_id)
        and (policy.category_id is None or policy.category_id in categories)
        and policy.priority in ("", ticket.priority)
        and policy.kind in ("", ticket.kind)
    ]

    def rank(policy):
        return (
            policy.project_id is not None,
            policy.category_id is not None,
            bool(policy.priority),
            bool(policy.kind),
            policy.category_id == ticket.category_id,
            -policy.pk,
        )

    return max(candidates, key=rank, default=None)


# Stored deadlines ---------------------------------------------------------------------------------


def _stages_for(kind: str) -> tuple[str, ...]:
    if kind in REPAIR_KINDS:
        return WORK_STAGES
    if kind in FEEDBACK_KINDS:
        return (Stage.FEEDBACK,)
    return ()


def _start(
    ticket, policy, stages, *, round_: int, now, sla: CompanySla | None = None, new=False
) -> list[str]:
    """Start the stages' deadlines of one round, each once: inserted together with their journal
    rows (a brand-new request has none yet; otherwise the ones already there are left alone — the
    request's row lock, held by the caller, keeps two actions from starting the same one)."""
    if policy is None:
        return []
    wanted = {stage: policy.minutes_for(stage) for stage in stages if policy.minutes_for(stage)}
    if wanted and not new:
        for stage in TicketDeadline.objects.filter(
            ticket=ticket, round=round_, stage__in=list(wanted)
        ).values_list("stage", flat=True):
            wanted.pop(stage)
    if not wanted:
        return []
    days = (sla or company_sla(ticket.company_id)).days_of(policy.calendar)
    deadlines = TicketDeadline.objects.bulk_create(
        [
            TicketDeadline(
                company_id=ticket.company_id,
                project_id=ticket.project_id,
                ticket=ticket,
                stage=stage,
                round=round_,
                policy=policy,
                started_at=now,
                allowed_minutes=minutes,
                due_at=add_working_time(policy.calendar, now, minutes, days=days),
                thresholds=list(policy.thresholds or DEFAULT_THRESHOLDS),
            )
            for stage, minutes in wanted.items()
        ]
    )
    journal_bulk_create(deadlines)
    return list(wanted)


def _unpause(deadline: TicketDeadline, now) -> datetime.timedelta:
    """End a pause: the due moment moves by the time held (no time was used while it was held)."""
    held = max(now - deadline.paused_at, datetime.timedelta(0))
    deadline.due_at += held
    deadline.paused_seconds += int(held.total_seconds())
    deadline.paused_at = None
    deadline.next_step_at = None  # its thresholds moved with it
    return held


def _finish(running, stages, now, *, stopped: bool = False) -> list[str]:
    """Finish the clocks of ``stages`` (None: all). ``stopped``: the work was not done (the request
    was cancelled, or reopened before the call-back) — the figures leave such a clock out if it
    still had time left. A clock finished on hold first ends its pause, so its due moment says
    whether it had time left."""
    done = []
    for deadline in running:
        if stages is None or deadline.stage in stages:
            fields = ["done_at", "stopped", "updated_at"]
            if deadline.paused_at is not None:
                _unpause(deadline, now)
                fields += ["due_at", "paused_seconds", "paused_at", "next_step_at"]
            deadline.done_at = now
            deadline.stopped = stopped
            deadline.save(update_fields=fields)
            done.append(deadline.stage)
    return done


def deadlines_on_event(*, ticket, action: str, from_status: str, now) -> dict:
    """Start, pause, resume or finish the request's deadlines for one action (called by the ticket
    services after the change, inside their transaction). Returns the facts for the timeline event:
    ``{"deadlines": {"started": [...], "done": [...], "paused": [...], "resumed": {...}}}`` or ``{}``."""
    facts: dict = {}
    if action == Action.CREATE:  # a brand-new request: nothing is running yet
        sla = company_sla(ticket.company_id)
        facts["started"] = _start(
            ticket, policy_for(ticket, sla), _stages_for(ticket.kind), round_=0, now=now, sla=sla, new=True
        )
        return {"deadlines": facts} if facts["started"] else {}

    def running() -> list[TicketDeadline]:
        """The request's unfinished deadlines, read only by the actions that stop or pause clocks."""
        return list(
            TicketDeadline.objects.filter(ticket=ticket, done_at__isnull=True).select_related("policy")
        )

    if ticket.status in ENDED and from_status not in ENDED:
        facts["done"] = _finish(running(), None, now, stopped=ticket.status == Status.CANCELLED)
    elif action == Action.HOLD:
        paused = []
        for deadline in running():
            pause = deadline.policy.pause_on_hold if deadline.policy else True
            # A clock already late keeps running: a hold stops the clock, it does not take back
            # the time already over (it stays late and keeps escalating).
            if pause and deadline.paused_at is None and deadline.due_at >= now:
                deadline.paused_at = now
                deadline.save(update_fields=["paused_at", "updated_at"])
                paused.append(deadline.stage)
        facts["paused"] = paused
    elif action == Action.RESUME:
        resumed = {}
        for deadline in running():
            if deadline.paused_at is None:
                continue
            held = _unpause(deadline, now)
            deadline.save(
                update_fields=["due_at", "paused_seconds", "paused_at", "next_step_at", "updated_at"]
            )
            resumed[deadline.stage] = {
                "held_minutes": round(held.total_seconds() / 60, 1),
                "due_at": deadline.due_at.isoformat(),
            }
        facts["resumed"] = resumed
    else:
        if action in DONE_BY:
            # Reopened before the call-back: the call is no longer due — stopped, not done.
            facts["done"] = _finish(running(), DONE_BY[action], now, stopped=action == Action.REOPEN)
        policy = None
        if action == Action.COMPLETE:
            policy = policy_for(ticket)
            facts["started"] = _start(ticket, policy, (Stage.FOLLOW_UP,), round_=ticket.rework_count, now=now)
        if ticket.status == Status.REWORK and from_status != Status.REWORK:
            # Rework: a new round of work, with its own deadlines.
            policy = policy or policy_for(ticket)
            stages = WORK_STAGES if ticket.kind in REPAIR_KINDS else ()
            facts.setdefault("started", [])
            facts["started"] += _start(ticket, policy, stages, round_=ticket.rework_count, now=now)
    facts = {k: v for k, v in facts.items() if v}
    return {"deadlines": facts} if facts else {}


def deadlines_on_transition(transition: Transition) -> dict:
    """The handler ``tickets.events`` calls on every transition (registered in ``SlaConfig.ready``)."""
    return deadlines_on_event(
        ticket=transition.ticket,
        action=transition.action,
        from_status=transition.from_status,
        now=transition.now,
    )


def overdue_q(now=None) -> Q:
    """Requests with a clock running late (for ``Ticket`` querysets): the lists' overdue filter and
    the boards' 已超时 count the same requests (``TicketDeadline.objects.overdue``).

    Only open requests can be late (closing or cancelling finishes every deadline), so the list walks
    the open requests newest first through their partial index and probes each for a late deadline,
    stopping when the page is full: the cost is bounded by the open backlog, never by history, and
    needs no list of late ids (an earlier version inlined up to 20,000 ids into the query text).
    """
    return ~Q(status__in=[Status.CLOSED, Status.CANCELLED]) & Q(overdue_exists(now))


def overdue_exists(now=None):
    """Per request (an annotation or a filter): does it have a clock running late — past due, not
    done, not paused (``DeadlineQuerySet.overdue`` in SQL)? One probe of the partial index of
    unfinished deadlines per row (``core.subqueries``)."""
    q = connection.ops.quote_name
    table = q(TicketDeadline._meta.db_table)
    return has_row(
        Ticket,
        TicketDeadline,
        "ticket_id",
        f"{table}.{q('done_at')} IS NULL AND {table}.{q('due_at')} < %s AND {table}.{q('paused_at')} IS NULL",
        # In UTC, as stored: SQLite compares the text, and a Shanghai-time moment would be 8 h off.
        ((now or timezone.now()).astimezone(datetime.UTC),),
    )


def next_due():
    """Per request: the earliest due moment of its running deadlines (NULL when none runs; a paused
    clock does not run).
    One probe of the partial index of unfinished deadlines ``(ticket, due_at)`` per row: the
    dispatch queue orders by it and shows the time left or how late."""
    q = connection.ops.quote_name
    table = q(TicketDeadline._meta.db_table)
    sql = (
        f"SELECT MIN({table}.{q('due_at')}) FROM {table} "  # noqa: S608 - names from the model only
        f"WHERE {table}.{q('ticket_id')} = {q(Ticket._meta.db_table)}.{q('id')} "
        f"AND {table}.{q('done_at')} IS NULL AND {table}.{q('paused_at')} IS NULL"
    )
    return RawSQL(sql, (), output_field=DateTimeField())  # noqa: S611


def due_within_q(now=None, minutes: int = 60) -> Q:
    """Requests with a running deadline due in the next ``minutes`` (not yet past, not paused)."""
    now = now or timezone.now()
    soon = TicketDeadline.objects.due_soon(now, now + datetime.timedelta(minutes=minutes))
    return Q(id__in=soon.values("ticket_id"))


def deadlines_for(ticket, now=None) -> list[TicketDeadline]:
    """The request's deadlines for display, oldest round first, each with ``overdue`` set."""
    now = now or timezone.now()
    rows = list(TicketDeadline.objects.filter(ticket=ticket).order_by("round", "started_at", "id"))
    order = list(Stage.values)
    rows.sort(key=lambda d: (d.round, order.index(d.stage)))
    for row in rows:
        row.overdue = row.done_at is None and row.paused_at is None and row.due_at < now
        row.late = row.done_at is not None and row.done_at > row.due_at
    return rows


# Escalation ---------------------------------------------------------------------------------------


def threshold_moment(deadline: TicketDeadline, percent: int, *, days=None) -> datetime.datetime:
    """When ``percent`` % of the allowed time is used up: the working time of the deadline's
    calendar counted from its start, plus the time it spent paused."""
    calendar = deadline.policy.calendar if deadline.policy else None
    allowed = datetime.timedelta(minutes=deadline.allowed_minutes) * percent / 100
    moment = add_working_time(calendar, deadline.started_at, allowed.total_seconds() / 60, days=days)
    return moment + datetime.timedelta(seconds=deadline.paused_seconds)


def _ladder_recipients(ticket, step: int) -> list:
    if step == LadderStep.ASSIGNEE:
        member = ticket.assignee or ticket.first_contact
        return [member.user] if member else []
    staff = StaffMember.objects.filter(company_id=ticket.company_id, deleted_at__isnull=True)
    if step == LadderStep.DEPARTMENT_HEAD:
        staff = staff.filter(projects=ticket.project_id).with_role(Role.DEPARTMENT_HEAD)
    elif step == LadderStep.PROJECT_MANAGER:
        staff = staff.filter(projects=ticket.project_id).with_role(Role.PROJECT_MANAGER)
    else:
        staff = staff.with_role(Role.HQ_CENTER)
    return [m.user for m in staff.select_related("user").order_by("id")]


def _take_step(deadline: TicketDeadline, step: int, percent: int, now) -> bool:
    """Take one step of the ladder for one deadline, once: the unique (deadline, step) row decides
    who does it when job runs or consumers race; the loser skips."""
    ticket = deadline.ticket
    with transaction.atomic():
        # The request's row lock first, as ``ticket_act`` takes it: an action finishing or pausing
        # this deadline at the same moment goes wholly before or after this step, never deadlocks.
        Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket.pk).first()
        current = TicketDeadline.objects.filter(pk=deadline.pk).values("done_at", "paused_at").first()
        if current is None or current["done_at"] is not None or current["paused_at"] is not None:
            return False
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    company_id=deadline.company_id,
                    project_id=deadline.project_id,
                    deadline=deadline,
                    ticket_id=deadline.ticket_id,
                    step=step,
                    threshold=percent,
                    happened_at=now,
                )
        except IntegrityError:
            return False  # another run or consumer took this step
        TicketDeadline.objects.filter(pk=deadline.pk, escalation_step__lt=step).update(escalation_step=step)
        deadline.escalation_step = max(deadline.escalation_step, step)
        recipients = _ladder_recipients(ticket, step)
        stage_label = Stage(deadline.stage).label
        notify(
            recipients=recipients,
            subject=Message(
                gettext_lazy("【%(level)s】%(number)s %(stage)s已用时 %(percent)s%%"),
                level=LadderStep(step).label,
                number=ticket.number,
                stage=stage_label,
                percent=percent,
            ),
            body=Message(
                gettext_lazy("工单 %(number)s 的%(stage)s时限为 %(due)s，请尽快处理。"),
                number=ticket.number,
                stage=stage_label,
                due=timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
            ),
            url=reverse("ticket_detail", args=[ticket.pk]),
            related=ticket,
            dedup_key=f"escalation:{deadline.pk}:{step}",
            kind="sla.escalation",
        )
        escalation.notified = [u.pk for u in recipients]
        escalation.save(update_fields=["notified", "updated_at"])
        ticket_record_escalation(ticket=ticket, stage=deadline.stage, step=step, threshold=percent, when=now)
    return True


def escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Take every escalation step that is due, each exactly once; returns how many were taken.

    A step is due when the stage has used its threshold's share of the allowed time (paused time
    excluded). After downtime each missed step is taken once, in order — one notification per step.
    """
    now = now or timezone.now()
    taken = 0
    days_by_calendar: dict = {}
    running = (
        TicketDeadline.objects.filter(done_at__isnull=True, paused_at__isnull=True, started_at__lt=now)
        .filter(Q(next_step_at__isnull=True) | Q(next_step_at__lte=now))
        .exclude(escalation_step__gte=len(LadderStep))
        .select_related("policy__calendar", "ticket__assignee__user", "ticket__first_contact__user")
        .order_by("due_at", "id")
    )
    for deadline in running.iterator(chunk_size=500):
        calendar = deadline.policy.calendar if deadline.policy else None
        key = calendar.pk if calendar is not None else None
        if key not in days_by_calendar:
            days_by_calendar[key] = calendar_days(calendar)
        next_step_at = NEVER
        for index, percent in enumerate(deadline.thresholds[: len(LadderStep)]):
            step = index + 1
            if step <= deadline.escalation_step:
                continue
            moment = threshold_moment(deadline, percent, days=days_by_calendar[key])
            if moment > now:
                next_step_at = moment
                break
            if _take_step(deadline, step, percent, now):
                taken += 1
        # Not again before its next threshold: each run reads only the deadlines with a step due.
        TicketDeadline.objects.filter(pk=deadline.pk, done_at__isnull=True, paused_at__isnull=True).update(
            next_step_at=next_step_at
        )
    return taken


# ``next_step_at`` of a deadline with no step left to take.
NEVER = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


def forget_next_steps(*, company_id: int) -> None:
    """The working calendar changed: threshold moments may move earlier, so the escalation job
    looks at every running deadline of the company again on its next run."""
    TicketDeadline.objects.filter(company_id=company_id, done_at__isnull=True).update(next_step_at=None)


# The administrators' settings (policies and calendars) are changed through ``sla.administration``.
