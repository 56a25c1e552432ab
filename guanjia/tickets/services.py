"""Every write to a service request goes through here.

``ticket_create`` receives a request; ``ticket_act`` performs any action of ``workflow.TRANSITIONS``
under a row lock, writes exactly one timeline event, and notifies the people concerned after commit.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.journal import journal_batched
from guanjia.core.phones import normalise_phone
from guanjia.core.roles import Role
from guanjia.core.scoping import scope_for
from guanjia.core.services import full_clean, service, visible_reference
from guanjia.estates.models import Building, Project, Resident, Unit
from guanjia.estates.selectors import occupancy_allows
from guanjia.staff.models import StaffMember
from guanjia.tickets import events, followups, materials, numbering, reminders, timeline, workflow
from guanjia.tickets.choices import (
    Action,
    Channel,
    Kind,
    Priority,
    Status,
)
from guanjia.tickets.models import (
    PaidService,
    Ticket,
    TicketCategory,
    TicketCharge,
    TicketEvent,
    TicketSubmission,
)
from guanjia.tickets.notify import notify_event

# Roles that may receive a request from a resident or find one on patrol (首问: whoever receives it).
# Third-party auditors only see audits; they do not receive requests (quality raises them for the estate).
RECEIVING_ROLES = frozenset(set(Role) - {Role.RESIDENT, Role.EXTERNAL_AUDITOR})


def _now():
    """The moment of an action. One seam, so demo data can be laid out over past months."""
    return timezone.now()


# Receiving a request ------------------------------------------------------------------------------


def _butler_for(unit: Unit | None, building: Building | None, project: Project) -> StaffMember | None:
    building_id = unit.building_id if unit else (building.pk if building else None)
    candidates = StaffMember.objects.filter(
        company_id=project.company_id, deleted_at__isnull=True, projects=project
    ).order_by("id")
    if building_id:
        butler = candidates.filter(butler_buildings=building_id).with_role(Role.BUTLER).first()
        if butler:
            return butler
    # No butler for the building: the project's desk, then its manager, owns it — never nobody.
    for role in (Role.BUTLER, Role.DESK, Role.PROJECT_MANAGER):
        member = candidates.with_role(role).first()
        if member:
            return member
    return None


def _event(ticket: Ticket, *, actor, action: str, from_status: str, note: str = "", data=None, when=None):
    return timeline.record_event(
        ticket, actor=actor, action=action, from_status=from_status, note=note, data=data, when=when or _now()
    )


def _complaint_subject(data: dict, *, actor, kind: str, project: Project) -> StaffMember | None:
    """The person a complaint is against (optional): someone who serves the request's project."""
    pk = data.get("subject_staff_id")
    if pk is None:
        return None
    if kind != Kind.COMPLAINT:
        raise ValidationError({"subject_staff_id": _("只有投诉可以指明被投诉员工")})
    member = visible_reference(StaffMember, pk, actor, field="subject_staff_id")
    if not member.projects.filter(pk=project.pk).exists():
        raise ValidationError({"subject_staff_id": _("%(name)s 不服务于本项目") % {"name": member.name}})
    return member


def _choice(data: dict, field: str, choices, default=None):
    value = data.get(field) or default
    if value not in choices.values:
        raise ValidationError({field: _("“%(value)s” 不是有效的选项") % {"value": value}})
    return value


@service
def ticket_create(*, actor, data: dict) -> Ticket:
    """Receive a request from the desk, the phone, the portal, a patrol or the HQ centre.

    Staff who receive it become its first-contact owner. A resident's own report (portal) goes
    to the building butler of the unit, who then owns it. The journal entries of everything it
    writes (the request, its deadlines, events, the auto-dispatch) go in together at the end.
    """
    with journal_batched():
        return _receive(actor=actor, data=data)


IDEMPOTENCY_KEY_MAX = 64


@service
def ticket_create_once(*, actor, key: str, data: dict) -> tuple[Ticket, bool]:
    """Receive a request exactly once per idempotency key, as payments are posted once.

    Returns ``(ticket, created)``. The same person sending the same ``key`` again with the same
    content — a double click, a retried API call — gets the request first received (``created``
    False); with different content → ``Conflict`` (409) naming that request. The key is kept per
    company and person (``TicketSubmission``); its unique constraint decides a race: the loser's
    request, number and all, is rolled back and it answers with the winner's.
    """
    key = (key or "").strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationError({"idempotency_key": _("幂等键须为 1–64 个字符")})
    company_id = scope_for(actor).company_id
    fingerprint = _fingerprint(data)
    first = _submitted_before(company_id, actor, key)
    if first is None:
        try:
            with transaction.atomic():  # a savepoint: losing the race undoes this request entirely
                ticket = ticket_create(actor=actor, data=data)
                TicketSubmission.objects.create(
                    company_id=ticket.company_id, actor=actor, key=key, fingerprint=fingerprint, ticket=ticket
                )
            return ticket, True
        except IntegrityError:
            first = _submitted_before(company_id, actor, key)
            if first is None:
                raise
    if first.fingerprint != fingerprint:
        raise Conflict(
            _("该幂等键已用于另一条报事（%(number)s），内容不同，未重复受理")
            % {"number": first.ticket.number},
            ticket_id=first.ticket_id,
        )
    return first.ticket, False


def _submitted_before(company_id, actor, key: str) -> TicketSubmission | None:
    return (
        TicketSubmission.objects.select_related("ticket")
        .filter(company_id=company_id, actor=actor, key=key)
        .first()
    )


def _fingerprint(data: dict) -> str:
    """The request's content, independent of key order: what "the same request" means."""
    body = {k: v for k, v in data.items() if k != "idempotency_key"}
    text = json.dumps(body, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _receive(*, actor, data: dict) -> Ticket:
    scope = scope_for(actor)
    data = dict(data)
    now = _now()
    unit = building = resident = reporter_staff = None
    if scope.is_resident:
        unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id", related=("project",))
        if not occupancy_allows(scope.resident_id, unit, "report"):
            # A household member whom the owner did not allow to report for this unit.
            raise ValidationError({"unit_id": _("您没有为该房屋报事报修的权限，请联系业主")})
        resident = Resident.objects.get(pk=scope.resident_id)
        channel = Channel.PORTAL
        kind = _choice(data, "kind", Kind, Kind.HOME_REPAIR)
        if kind in (Kind.PATROL, Kind.COMMON_REPAIR) and not data.get("location"):
            kind = Kind.HOME_REPAIR if kind == Kind.PATROL else kind
    elif scope.is_staff and scope.roles & RECEIVING_ROLES:
        kind = _choice(data, "kind", Kind)
        channel = _choice(
            data, "channel", Channel, Channel.PATROL if kind == Kind.PATROL else Channel.FRONT_DESK
        )
        if data.get("unit_id") is not None:
            unit = visible_reference(Unit, data["unit_id"], actor, field="unit_id", related=("project",))
        elif data.get("building_id") is not None:
            building = visible_reference(Building, data["building_id"], actor, field="building_id")
        if data.get("resident_id") is not None:
            resident = visible_reference(Resident, data["resident_id"], actor, field="resident_id")
        if kind == Kind.PATROL:
            reporter_staff = StaffMember.objects.get(pk=scope.staff_id)
    else:
        raise NotAllowed(_("您没有权限受理报事"))

    if unit is not None:
        project = (
            unit.project if "project" in unit._state.fields_cache else Project.objects.get(pk=unit.project_id)
        )
        building = None
    elif building is not None:
        project = Project.objects.get(pk=building.project_id)
    else:
        project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    location = (data.get("location") or "").strip()
    if unit is None and building is None and not location:
        raise ValidationError({"unit_id": _("请选择房屋，或填写楼栋/公共区域位置")})
    description = (data.get("description") or "").strip()
    if not description:
        raise ValidationError({"description": _("请描述问题")})
    category = None
    if data.get("category_id") is not None:
        # With its parents: the deadline policy and auto-dispatch look up the tree.
        category = visible_reference(
            TicketCategory, data["category_id"], actor, field="category_id", related=("parent__parent",)
        )
        if not category.is_active:
            raise ValidationError({"category_id": _("该类别已停用")})
    paid_service = None
    if data.get("paid_service_id") is not None:
        paid_service = visible_reference(PaidService, data["paid_service_id"], actor, field="paid_service_id")
        if not paid_service.is_active:
            raise ValidationError({"paid_service_id": _("该服务已下架")})
        category = category or paid_service.category

    if scope.is_resident:
        first_contact = _butler_for(unit, building, project)
        if first_contact is None:
            raise Conflict(_("该项目尚未设置楼栋管家或客服，请致电服务中心"))
        receiver, trusted = {"first_contact": first_contact}, []
    else:
        # Whoever receives it, by the staff id of their scope (the scope is dropped whenever the
        # member changes or leaves): neither read nor looked up again.
        receiver, trusted = {"first_contact_id": scope.staff_id}, ["first_contact"]

    subject_staff = _complaint_subject(data, actor=actor, kind=kind, project=project)
    contact_phone = data.get("contact_phone") or (resident.phone if resident else "")
    if contact_phone:
        try:
            contact_phone = normalise_phone(contact_phone)
        except ValidationError as exc:
            raise ValidationError({"contact_phone": exc.messages}) from exc
    ticket = Ticket(
        company_id=project.company_id,
        project=project,
        number=numbering.next_number(project, now),
        kind=kind,
        category=category,
        channel=channel,
        priority=_choice(data, "priority", Priority, Priority.NORMAL),
        unit=unit,
        building=building,
        location=location[:100],
        reporter_resident=resident,
        reporter_staff=reporter_staff,
        contact_name=(data.get("contact_name") or (resident.name if resident else ""))[:60],
        contact_phone=contact_phone,
        description=description[:2000],
        paid_service=paid_service,
        subject_staff=subject_staff,
        received_at=now,
        **receiver,
    )
    full_clean(ticket, exclude=["number", *trusted])
    ticket.save()
    if paid_service is not None:
        TicketCharge.objects.create(
            company_id=ticket.company_id,
            project_id=ticket.project_id,
            ticket=ticket,
            paid_service=paid_service,
            description=paid_service.name,
            quantity=Decimal("1"),
            unit_price=paid_service.price,
            amount=paid_service.price,
        )
    # Announced (``events``): the deadlines app starts the stages' clocks; their facts go into the timeline.
    facts = events.announce_transition(events.Transition(ticket, Action.CREATE, "", now))
    event = _event(
        ticket,
        actor=actor,
        action=Action.CREATE,
        from_status="",
        note=description[:200],
        data=facts,
        when=now,
    )
    _announce(event)
    # Announced: auto-dispatch sends a new repair to whoever the project's rules name.
    received = events.Received(ticket, now, auto_dispatch=bool(data.get("auto_dispatch", True)))
    return events.announce_received(received)


# Acting on a request ------------------------------------------------------------------------------


def _staff_for(ticket: Ticket, actor, pk, field: str) -> StaffMember:
    serves = StaffMember.projects.through.objects.filter(
        staffmember_id=OuterRef("pk"), project_id=ticket.project_id
    )
    if actor is None:  # the system itself (auto-dispatch): someone of the request's own company
        member = (
            StaffMember.objects.annotate(serves=Exists(serves))
            .filter(company_id=ticket.company_id, deleted_at__isnull=True)
            .get(pk=pk)
        )
        serving = member.serves
    else:
        member = visible_reference(StaffMember, pk, actor, field=field)
        serving = member.projects.filter(pk=ticket.project_id).exists()
    if not serving:
        raise ValidationError({field: _("%(name)s 不服务于本项目") % {"name": member.name}})
    return member


def _score(data: dict, field: str = "score") -> int:
    try:
        score = int(data.get(field))
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("评分应为 1–5")}) from exc
    if not 1 <= score <= 5:
        raise ValidationError({field: _("评分应为 1–5")})
    return score


def _reset_work_stages(ticket: Ticket) -> None:
    """A new round of work (rework): the stage moments of the last round live on in the timeline."""
    ticket.accepted_at = ticket.arrived_at = ticket.completed_at = ticket.followed_up_at = None
    ticket.assignee = ticket.completed_by = None
    # The resident rates the new round's work; the last round's rating stays in the timeline.
    ticket.rating = None
    ticket.rating_comment = ""


def _auto_dispatched(ticket: Ticket) -> bool:
    """Was the request's current assignee sent by the system (auto-dispatch)?"""
    last = (
        TicketEvent.objects.filter(ticket=ticket, action__in=[Action.DISPATCH, Action.REASSIGN])
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    )
    return bool(last and last.get("auto"))


def _apply(ticket: Ticket, transition, *, actor, data: dict, now) -> tuple[str, dict]:
    """Perform the effect of one transition on the (locked) ticket; returns (note, event data)."""
    action = transition.action
    note = str(data.get("note") or "").strip() or str(data.get("reason") or "").strip()
    facts: dict = {}
    previous = ticket.status
    if transition.target is not None:
        ticket.status = transition.target

    if action == Action.DISPATCH:
        ticket.assignee = _staff_for(ticket, actor, data["assignee_id"], "assignee_id")
        ticket.dispatched_at = now
        if data.get("root_cause"):
            ticket.root_cause = str(data["root_cause"]).strip()
            facts["root_cause"] = ticket.root_cause
        facts["assignee"] = ticket.assignee.name
    elif action == Action.REASSIGN:
        new = _staff_for(ticket, actor, data["assignee_id"], "assignee_id")
        if new.pk == ticket.assignee_id:
            raise ValidationError({"assignee_id": _("新处理人与当前处理人相同")})
        facts["assignee"] = [ticket.assignee.name if ticket.assignee else "", new.name]
        if _auto_dispatched(ticket):  # the desk overrides the system's choice: say so
            facts["override_of"] = ticket.assignee_id
        ticket.assignee = new
        ticket.dispatched_at = now
        ticket.accepted_at = ticket.arrived_at = None
    elif action == Action.ACCEPT:
        ticket.accepted_at = now
    elif action == Action.REJECT:
        facts["assignee"] = ticket.assignee.name if ticket.assignee else ""
        ticket.assignee = None
        ticket.dispatched_at = None
    elif action == Action.ARRIVE:
        ticket.arrived_at = now
    elif action == Action.COMPLETE:
        ticket.resolution = str(data["resolution"]).strip()
        ticket.completed_at = now
        ticket.completed_by_id = scope_for(actor).staff_id
        note = note or ticket.resolution
        facts.update(materials.record_materials_and_charges(ticket, data))
    elif action == Action.FIRST_FEEDBACK:
        ticket.first_feedback = str(data["feedback"]).strip()
        if ticket.first_feedback_at is None:
            ticket.first_feedback_at = now
        note = ticket.first_feedback
    elif action == Action.FOLLOW_UP:
        scope = scope_for(actor)
        if ticket.assignee_id is not None and ticket.assignee_id == scope.staff_id:
            raise NotAllowed(_("回访须由处理人以外的人完成"))
        satisfied = data["satisfied"] in (True, "true", "1", 1, "on")
        ticket.follow_up_by_id = scope.staff_id
        ticket.follow_up_satisfied = satisfied
        ticket.follow_up_score = _score(data)
        ticket.followed_up_at = now
        facts.update({"satisfied": satisfied, "score": ticket.follow_up_score})
        if satisfied and ticket.rating is not None:
            # The resident rated the work already: both voices are in, the request is done.
            ticket.status = Status.CLOSED
            ticket.closed_at = now
            facts["rating"] = ticket.rating
        elif satisfied:
            ticket.status = Status.FOLLOWED_UP
        else:
            root_cause = (data.get("root_cause") or "").strip()
            if not root_cause:
                raise ValidationError({"root_cause": _("不满意时须填写原因分析")})
            ticket.root_cause = root_cause
            ticket.rework_count += 1
            ticket.status = Status.REWORK
            facts["root_cause"] = root_cause
            _reset_work_stages(ticket)
        note = (data.get("comment") or note or "").strip()
    elif action == Action.RATE:
        ticket.rating = _score(data)
        ticket.rating_comment = (data.get("comment") or "").strip()[:500]
        if ticket.status == Status.CLOSED:  # rated after the call-back
            ticket.closed_at = now
        facts["score"] = ticket.rating
        note = ticket.rating_comment
    elif action == Action.REOPEN:
        ticket.rework_count += 1
        _reset_work_stages(ticket)
    elif action == Action.CLOSE:
        ticket.closed_at = now
    elif action == Action.HOLD:
        ticket.status_before_hold = previous
        ticket.hold_reason = (str(data.get("reason") or "").strip() or note)[:200]
    elif action == Action.RESUME:
        ticket.status = ticket.status_before_hold or Status.RECEIVED
        ticket.status_before_hold = ""
        ticket.hold_reason = ""
    elif action == Action.ESCALATE:
        ticket.escalation_level += 1
        facts["level"] = ticket.escalation_level
    elif action == Action.CANCEL:
        ticket.cancel_reason = (str(data.get("reason") or "").strip() or note)[:200]
        ticket.cancelled_at = now
        ticket.status_before_hold = ""  # a request cancelled while on hold is no longer on hold
    elif action == Action.HANDOVER:
        new = _staff_for(ticket, actor, data["first_contact_id"], "first_contact_id")
        if new.pk == ticket.first_contact_id:
            raise ValidationError({"first_contact_id": _("新负责人与当前负责人相同")})
        facts["first_contact"] = [ticket.first_contact.name, new.name]
        # Who gave the accountability away: the staff figures count hand-overs by person.
        facts["handed_from_id"], facts["handed_to_id"] = ticket.first_contact_id, new.pk
        ticket.first_contact = new
    elif action == Action.REMIND:
        facts.update(reminders.remind_facts(ticket, actor=actor, now=now))
        note = note or str(reminders.DEFAULT_NOTE)
    elif action == Action.CONFIRM_CHARGES:
        if ticket.charges_confirmed_at is not None:
            raise Conflict(_("费用已确认过，不能重复确认"))
        lines = TicketCharge.objects.filter(ticket=ticket)
        if not lines.exists():
            raise ValidationError({"charges": _("没有收费明细")})
        lines.update(confirmed_at=now)
        ticket.charges_confirmed_at = now
        facts["total"] = str(sum((c.amount for c in lines), Decimal("0.00")))
    return note, facts


@service
def ticket_act(
    *,
    actor,
    ticket: Ticket,
    action: str,
    data: dict | None = None,
    system: dict | None = None,
    expected_version: str | None = None,
    locked: bool = False,
) -> Ticket:
    """Perform one action of the workflow on a request.

    ``system``: the platform acts by itself (auto-dispatch) with ``actor=None``; only transitions
    naming ``workflow.SYSTEM`` allow it, and the event records ``{"auto": True, **system}``.

    Illegal in the request's state → ``Conflict`` (409) naming what is allowed now; not this
    person's to do → ``NotAllowed`` (403); missing what the action needs → ``ValidationError``
    naming the field (422). Two people acting at once: the row lock serialises them, and the
    second finds the state changed and gets the 409.

    ``expected_version``: the ``Ticket.version`` the actor's page or app was showing. When the
    action is refused and the request has changed since (reassigned, completed, cancelled a moment
    earlier), the refusal is ``Conflict`` (409) naming the new state — refresh and look again —
    instead of "not yours" (403), which stays for what this person could never do.

    ``locked``: the caller read ``ticket`` under its row lock in the transaction this runs in, with
    its first-contact owner and assignee (``dispatch.services.dispatch_waiting``); it is not read
    again. Otherwise the request is re-read under the lock here, whatever the caller holds.
    """
    data = dict(data or {})
    if action not in workflow.ACTIONS:
        raise ValidationError({"action": _("未知动作：%(action)s") % {"action": action}})
    scope = scope_for(actor)
    if not locked:
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("first_contact", "assignee")
            .get(pk=ticket.pk)
        )
    candidates = workflow.transitions_for(ticket, action)
    changed = bool(expected_version) and str(expected_version) != ticket.version
    if changed and not (candidates and workflow.permitted(candidates, ticket, scope, system=system)):
        raise _changed_under(ticket, scope, action)
    if not candidates:
        allowed = workflow.allowed_actions(ticket, scope)
        raise Conflict(
            _("工单当前为「%(status)s」，不能%(action)s。现在可以：%(allowed)s")
            % {
                "status": ticket.get_status_display(),
                "action": Action(action).label,
                "allowed": "、".join(str(Action(a).label) for a in allowed) or _("无"),
            },
            allowed=allowed,
        )
    permitted = workflow.permitted(candidates, ticket, scope, system=system)
    if not permitted:
        raise NotAllowed(_("您不能对此工单执行「%(action)s」") % {"action": Action(action).label})
    transition = permitted[0]
    missing = [
        f for f in transition.required if data.get(f) in (None, "", []) or str(data.get(f)).strip() == ""
    ]
    if missing:
        raise ValidationError({f: _("此项为必填项") for f in missing})
    from_status = ticket.status
    now = _now()
    # The round a call or a reopen judges, and whose work it was, before the action resets them.
    judged = followups.Judged(ticket.rework_count, ticket.assignee_id or ticket.completed_by_id)
    note, facts = _apply(ticket, transition, actor=actor, data=data, now=now)
    # Follow-up calls (回访): make or close the task; keep each call and each rework as a row.
    followups.on_ticket_event(ticket, action, now, judged=judged)
    if system is not None:
        facts.update({"auto": True, **system})
    full_clean(ticket, exclude=["number"])
    ticket.save()
    # Announced: the deadlines app starts, pauses, resumes or finishes the stages' clocks.
    facts.update(events.announce_transition(events.Transition(ticket, action, from_status, now)))
    event = _event(
        ticket, actor=actor, action=action, from_status=from_status, note=note, data=facts, when=now
    )
    _announce(event)
    return ticket


def _changed_under(ticket: Ticket, scope, action: str) -> Conflict:
    """The refusal of a stale action: what the request is now, so the person refreshes."""
    allowed = workflow.allowed_actions(ticket, scope)
    words = {"status": ticket.get_status_display(), "action": Action(action).label}
    if ticket.assignee_id is not None:
        message = _(
            "工单在您打开后已有变化：现为「%(status)s」，处理人 %(name)s，不能再%(action)s。请刷新后再操作。"
        )
        words["name"] = ticket.assignee.name
    else:
        message = _("工单在您打开后已有变化：现为「%(status)s」，不能再%(action)s。请刷新后再操作。")
    return Conflict(
        message % words,
        status=ticket.status,
        allowed=allowed,
        version=ticket.version,
    )


def ticket_record_escalation(*, ticket: Ticket, stage: str, step: int, threshold: int, when) -> TicketEvent:
    """An automatic escalation step (``sla.services.escalate_due``): raise the request's escalation
    level and keep the step in its timeline. The ladder notifies the people itself."""
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if locked.escalation_level < step:
        locked.escalation_level = step
        locked.save(update_fields=["escalation_level", "updated_at"])
    ticket.escalation_level = locked.escalation_level
    return _event(
        locked,
        actor=None,
        action=Action.ESCALATE,
        from_status=locked.status,
        data={"auto": True, "stage": stage, "step": step, "threshold": threshold},
        when=when,
    )


# Notifications ------------------------------------------------------------------------------------


def _announce(event: TicketEvent) -> None:
    """Tell the people concerned, in the transaction of the change itself.

    The notification rows are the outbox: they commit with the change or not at all, so a worker
    killed after the commit loses nothing (push rows are sent after the commit, and the per-minute
    sweeper sends whatever is still due), and the recipients are whoever holds the request at this
    commit, not whoever holds it when a job runs later (dispatched to A, reassigned to B a moment
    later: A hears of the dispatch, B of the reassignment). Nothing here talks to a provider, so a
    slow mail server still never slows the action.
    """
    notify_event(event)


# The defaults, the photo and phone services and the timeline's words live in their own modules;
# their names stay here too.
from guanjia.tickets.contact import ticket_reveal_phone  # noqa: E402
from guanjia.tickets.defaults import company_defaults_ensure  # noqa: E402
from guanjia.tickets.photos import ticket_add_photo  # noqa: E402
from guanjia.tickets.timeline import INTERNAL_ACTIONS, PLAIN_WORDS  # noqa: E402

__all__ = [
    "INTERNAL_ACTIONS",
    "PLAIN_WORDS",
    "company_defaults_ensure",
    "ticket_add_photo",
    "ticket_reveal_phone",
]
