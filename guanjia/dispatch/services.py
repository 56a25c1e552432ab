"""Auto-dispatch: who gets a new repair, decided on the server, in one function, and said why.

``choose_assignee`` reads the project's rules and its people; ``auto_dispatch`` performs the
choice through ``tickets.services.ticket_act`` as the system itself, so the request's timeline
says the dispatch was automatic and why. Rules are written only through ``dispatch_rule_*`` here.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.cache import shared_cached
from guanjia.core.journal import journal_batched
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.core.subqueries import column_where, count_rows, has_row
from guanjia.core.subqueries import quote as _q
from guanjia.dispatch import tasks  # the worker's half of auto-dispatch (it calls back in here)
from guanjia.dispatch.models import DispatchRule, PendingDispatch
from guanjia.estates.models import Building, Project, Unit
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.choices import Department
from guanjia.staff.models import Skill, StaffMember, StaffRole
from guanjia.staff.services import on_duty
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import REPAIR_KINDS, Action, Priority, Status
from guanjia.tickets.events import Received
from guanjia.tickets.models import Ticket, TicketCategory
from guanjia.tickets.workflow import OPEN

logger = logging.getLogger(__name__)

# How far up the category tree a rule on an ancestor still covers a request (水电 covers 水电 › 漏水).
MAX_CATEGORY_DEPTH = 6


@dataclass(frozen=True)
class Decision:
    member: StaffMember | None
    reason: str
    rule: DispatchRule | None = None


# Choosing --------------------------------------------------------------------------------------


def category_chain(category_id: int, loaded: TicketCategory | None = None) -> list[TicketCategory]:
    """The category and its ancestors, nearest first (one query for the usual two-level tree; none
    when the category was ``loaded`` with its parents, as ``ticket_create`` does)."""
    chain: list[TicketCategory] = []
    node = loaded
    if node is None or node.pk != category_id:
        node = TicketCategory.objects.select_related("parent__parent").filter(pk=category_id).first()
    while node is not None and len(chain) < MAX_CATEGORY_DEPTH:
        chain.append(node)
        if node.parent_id is None:
            break
        if "parent" in node._state.fields_cache:
            node = node.parent
        else:
            node = TicketCategory.objects.select_related("parent__parent").filter(pk=node.parent_id).first()
    return chain


def _building_id(ticket: Ticket) -> int | None:
    if ticket.building_id:
        return ticket.building_id
    if ticket.unit_id:
        if "unit" in ticket._state.fields_cache:
            return ticket.unit.building_id
        return Unit.objects.filter(pk=ticket.unit_id).values_list("building_id", flat=True).first()
    return None


def project_rules(project_id: int) -> tuple[DispatchRule, ...]:
    """The project's active rules. Every request received with a category reads them, managers
    rarely change them: kept in the shared cache (``core.cache``), dropped on any change of a rule."""
    return shared_cached(
        "dispatch-rules",
        project_id,
        lambda: tuple(
            DispatchRule.objects.filter(project_id=project_id, is_active=True, deleted_at__isnull=True)
        ),
    )


def matching_rule(ticket: Ticket, chain: list[TicketCategory]) -> DispatchRule | None:
    """The most specific active rule: a building's rule before a project-wide one, a rule on the
    request's own category before one on a parent category; then the lower priority number."""
    return rule_for(ticket.project_id, _building_id(ticket), chain)


def rule_for(project_id: int, building_id: int | None, chain: list[TicketCategory]) -> DispatchRule | None:
    """``matching_rule`` for a request not yet received (the intake form asks who may take it)."""
    if not chain:
        return None
    depth = {c.pk: i for i, c in enumerate(chain)}
    rules = [
        rule
        for rule in project_rules(project_id)
        if rule.category_id in depth and rule.building_id in (None, building_id)
    ]
    ranked = sorted(rules, key=lambda r: (r.building_id is None, depth[r.category_id], r.priority, r.pk))
    return ranked[0] if ranked else None


def serving(people, *, company_id: int, project_id: int):
    """The active people of ``people`` who serve the project, each with their open workload
    (``load``) and whether they head their department (``is_head``). The per-person look-ups are
    scalar subqueries in SQL (``core.subqueries``): built in microseconds, and planned by
    PostgreSQL one probe at a time rather than as a join order (auto-dispatch asks on every repair)."""
    statuses = sorted(OPEN)
    # The project's people first (an index probe on the project), not a probe per person.
    serves = column_where(
        StaffMember.projects.through, "staffmember_id", f"{_q('project_id')} = %s", [project_id]
    )
    return people.filter(
        pk__in=serves,
        company_id=company_id,
        deleted_at__isnull=True,
        user__is_active=True,
    ).annotate(
        load=count_rows(
            StaffMember,
            Ticket,
            "assignee_id",
            f"{_q('status')} IN ({', '.join(['%s'] * len(statuses))})",
            statuses,
        ),
        is_head=has_row(StaffMember, StaffRole, "staff_id", f"{_q('role')} = %s", [Role.DEPARTMENT_HEAD]),
    )


def holds_skill(skill_id: int | None, skill_name: str | None):
    """Per staff row: holds the rule's skill, or the one named like the category's top level."""
    held = StaffMember.skills.through
    if skill_id is not None:
        return has_row(StaffMember, held, "staffmember_id", f"{_q('skill_id')} = %s", [skill_id])
    if skill_name:
        named = f"SELECT {_q('id')} FROM {_q(Skill._meta.db_table)} WHERE {_q('name')} = %s"  # noqa: S608
        return has_row(StaffMember, held, "staffmember_id", f"{_q('skill_id')} IN ({named})", [skill_name])
    return Value(False)


def _team(ticket: Ticket, rule: DispatchRule, skill_name: str | None):
    """The project's active staff of the rule's department, with their open workload, whether they
    hold the skill and whether they head the department — one query, whatever the team's size."""
    return list(
        serving(
            StaffMember.objects.filter(department=rule.department),
            company_id=ticket.company_id,
            project_id=ticket.project_id,
        )
        .annotate(skilled=holds_skill(rule.skill_id, skill_name))
        .order_by()  # ``decide`` breaks every tie by id itself
    )


def decide(ticket: Ticket, *, now: datetime.datetime) -> Decision:
    """The whole rule, in one place. See ``choose_assignee``."""
    if ticket.category_id is None:
        return Decision(None, _("工单没有类别，在派工队列等待人工派工"))
    chain = category_chain(
        ticket.category_id, ticket.category if "category" in ticket._state.fields_cache else None
    )
    rule = matching_rule(ticket, chain)
    if rule is None:
        return Decision(None, _("没有匹配的派工规则，在派工队列等待人工派工"))
    department = Department(rule.department).label
    skill_name = rule.skill.name if rule.skill_id else (chain[-1].name if chain else None)
    team = _team(ticket, rule, skill_name)
    on_duty_ids = {m.pk for m in on_duty(project=ticket.project_id, at=now)}
    prefix = _("规则 #%(rule)s（%(category)s → %(department)s）") % {
        "rule": rule.pk,
        "category": chain[0].name,
        "department": department,
    }
    members = [m for m in team if not m.is_head]
    qualified = [m for m in members if m.pk in on_duty_ids or m.skilled]
    if qualified:
        best = min(qualified, key=lambda m: (m.pk not in on_duty_ids, not m.skilled, m.load, m.pk))
        facts = [_("当班") if best.pk in on_duty_ids else _("不在班")]
        if skill_name:
            facts.append(
                (_("具备「%(skill)s」技能") if best.skilled else _("无「%(skill)s」技能"))
                % {"skill": skill_name}
            )
        facts.append(_("手头未完成 %(n)s 单") % {"n": best.load})
        return Decision(best, f"{prefix}：{best.name}，{'，'.join(facts)}", rule)
    heads = [m for m in team if m.is_head]
    if heads:
        head = min(heads, key=lambda m: (m.load, m.pk))
        return Decision(
            head,
            _("%(prefix)s：%(department)s没有当班或具备技能的人员，派给部门主管 %(name)s")
            % {"prefix": prefix, "department": department, "name": head.name},
            rule,
        )
    return Decision(
        None,
        _("%(prefix)s：%(department)s没有可派的人员，也没有部门主管，在派工队列等待人工派工")
        % {"prefix": prefix, "department": department},
        rule,
    )


def choose_assignee(ticket: Ticket, *, now: datetime.datetime) -> tuple[StaffMember | None, str]:
    """Who should do this repair, and why (in Chinese, for the timeline).

    The most specific active rule of the request's project (category + building before category;
    a rule on a parent category covers its sub-categories) names a department. Among the
    project's active staff of that department, prefer who is on duty now, then who holds the
    skill (the rule's, or the one named like the category's top level), then the fewest open
    requests, then the lowest id. Nobody on duty or skilled: the department head. No rule: None —
    the request waits in the desk's dispatch queue.
    """
    decision = decide(ticket, now=now or timezone.now())
    return decision.member, decision.reason


# Dispatching -----------------------------------------------------------------------------------


def applies_to(ticket: Ticket) -> bool:
    return ticket.kind in REPAIR_KINDS and ticket.category_id is not None and ticket.status == Status.RECEIVED


def auto_dispatch(*, ticket: Ticket, now: datetime.datetime | None = None, locked: bool = False) -> Ticket:
    """Dispatch a just-received repair by the rules, as the system; urgent → the person is told at
    once on every channel. No one to send: the request stays received, in the dispatch queue.
    ``locked``: as for ``ticket_act`` (the caller holds the row lock on ``ticket`` as read)."""
    if not applies_to(ticket):
        return ticket
    decision = decide(ticket, now=now or timezone.now())
    if decision.member is None:
        return ticket
    note = _("系统自动派工：%(reason)s") % {"reason": decision.reason}
    ticket = ticket_services.ticket_act(
        actor=None,
        ticket=ticket,
        action=Action.DISPATCH,
        data={"assignee_id": decision.member.pk, "note": note},
        system={"rule": decision.rule.pk if decision.rule else None, "reason": decision.reason},
        locked=locked,
    )
    if ticket.priority == Priority.URGENT:
        notify(
            recipients=[decision.member.user],
            subject=Message(gettext_lazy("紧急工单 %(number)s 已派给您"), number=ticket.number),
            body=f"{ticket.description[:200]}\n{decision.reason}",
            url=reverse("ticket_detail", args=[ticket.pk]),
            related=ticket,
            dedup_key=f"urgent-dispatch:{ticket.pk}",
            kind="dispatch.urgent",
            channels=("in_app", "email"),
        )
    return ticket


def dispatch_on_received(received: Received) -> Ticket:
    """The handler ``tickets.events`` calls for a new request (registered in ``DispatchConfig.ready``),
    unless whoever received it chose to dispatch it by hand.

    With ``AUTO_DISPATCH_IN_WORKER`` (production) a repair that a rule covers is only queued here,
    in the create's own transaction (``PendingDispatch``), and dispatched by the worker once that
    transaction commits: the answer to whoever received it does not wait for the decision, the
    dispatch, its deadlines and notices. Without a rule nothing is queued: it waits for the desk.
    """
    ticket = received.ticket
    if not received.auto_dispatch or not applies_to(ticket):
        return ticket
    if not settings.AUTO_DISPATCH_IN_WORKER:
        return auto_dispatch(ticket=ticket, now=received.now)
    chain = category_chain(
        ticket.category_id, ticket.category if "category" in ticket._state.fields_cache else None
    )
    if matching_rule(ticket, chain) is not None:
        PendingDispatch.objects.create(ticket=ticket, queued_at=received.now)
        transaction.on_commit(lambda: tasks.dispatch_waiting_task(ticket.pk))
    return ticket


def dispatch_waiting(ticket_id: int) -> Ticket | None:
    """Dispatch a request queued by ``dispatch_on_received``, once, whoever runs it and however often.

    Claimed by deleting its outbox row: of two workers (or the job and the sweep) only the one
    whose DELETE removed the row goes on; the other gets None. If the request left "received" in
    the meantime (the desk dispatched or cancelled it), the claim is all that happens. A failure
    rolls the claim back with the rest, and the sweep tries again. The journal entries of the
    dispatch (the request, its deadlines, its notices) go in together at the end, as a create's do.
    """
    with transaction.atomic(), journal_batched():
        claimed, _rows = PendingDispatch.objects.filter(ticket_id=ticket_id).delete()
        if not claimed:
            return None
        # Read once, under the lock, with all the dispatch needs: the category's parents and the
        # unit (its building) for the rules, the first-contact owner and assignee for ``ticket_act``.
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("category__parent__parent", "unit", "first_contact", "assignee")
            .get(pk=ticket_id)
        )
        return auto_dispatch(ticket=ticket, locked=True)


# A queued dispatch whose job has not run after this long is taken by the sweep.
LEFT_BEHIND_AFTER = datetime.timedelta(minutes=1)


def dispatch_left_behind(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """The sweep: dispatch the queued requests whose job was lost or failed (oldest first).
    Returns how many it dispatched or found already handled."""
    before = (now or timezone.now()) - LEFT_BEHIND_AFTER
    waiting = list(
        PendingDispatch.objects.filter(queued_at__lte=before)
        .order_by("queued_at")
        .values_list("ticket_id", flat=True)[:limit]
    )
    done = 0
    for ticket_id in waiting:
        try:
            dispatch_waiting(ticket_id)
        except Exception:  # one request's failure must not hold back the others; it stays queued
            logger.exception("auto-dispatch of request %s failed; it stays queued", ticket_id)
            continue
        done += 1
    return done


# Rules -----------------------------------------------------------------------------------------

RULE_FIELDS = {"department", "priority", "is_active"}


def _references(rule: DispatchRule, data: dict, actor) -> None:
    if "category_id" in data:
        category = visible_reference(TicketCategory, data.pop("category_id"), actor, field="category_id")
        rule.category = category
    if "building_id" in data:
        pk = data.pop("building_id")
        building = visible_reference(Building, pk, actor, field="building_id") if pk is not None else None
        if building is not None and building.project_id != rule.project_id:
            raise ValidationError({"building_id": _("该楼栋不属于此项目")})
        rule.building = building
    if "skill_id" in data:
        pk = data.pop("skill_id")
        rule.skill = visible_reference(Skill, pk, actor, field="skill_id") if pk is not None else None


@service
def dispatch_rule_create(*, actor, data: dict) -> DispatchRule:
    require(actor, Perm.CHANGE_ESTATES)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    rule = DispatchRule(company_id=project.company_id, project=project)
    if data.get("category_id") is None:
        raise ValidationError({"category_id": _("此项为必填项")})
    _references(rule, data, actor)
    data = {k: v for k, v in data.items() if v is not None}
    apply_changes(rule, data, allowed=RULE_FIELDS)
    return save_validated(rule)


@service
def dispatch_rule_update(*, actor, dispatch_rule: DispatchRule, data: dict) -> DispatchRule:
    require(actor, Perm.CHANGE_ESTATES)
    rule = lock(dispatch_rule)
    data = dict(data)
    if "category_id" in data and data["category_id"] is None:
        raise ValidationError({"category_id": _("此项为必填项")})
    _references(rule, data, actor)
    for key in ("department", "priority", "is_active"):
        if key in data and data[key] is None:
            raise ValidationError({key: _("此项为必填项")})
    apply_changes(rule, data, allowed=RULE_FIELDS)
    return save_validated(rule)


@service
def dispatch_rule_delete(*, actor, dispatch_rule: DispatchRule) -> None:
    """Remove a rule; its history stays (soft delete), and timelines still name it by number."""
    require(actor, Perm.CHANGE_ESTATES)
    rule = lock(dispatch_rule)
    rule.deleted_at = timezone.now()
    rule.save()
