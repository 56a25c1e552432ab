"""Reads for the desk's dispatch work."""

from __future__ import annotations

import datetime

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Value, When
from django.utils.translation import gettext as _

from guanjia.dispatch.models import PendingDispatch
from guanjia.dispatch.services import category_chain, holds_skill, rule_for, serving
from guanjia.staff.choices import Department
from guanjia.staff.models import Skill, StaffMember
from guanjia.staff.services import on_duty
from guanjia.tickets import clocks
from guanjia.tickets.assignees import Candidate, Need, Shortlist
from guanjia.tickets.choices import REPAIR_KINDS, Kind, Priority, Status
from guanjia.tickets.selectors import tickets_for


def dispatch_queue(user):
    """The dispatch queue: received requests nobody has been sent to yet that the user may see,
    most pressing first — urgent before ordinary, then by the earliest running deadline (the late
    ones, already past, come first; then the least time left), requests without a clock after those,
    oldest first. ``due_at`` is that deadline (None: no clock runs)."""
    urgent_first = Case(
        When(priority=Priority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        tickets_for(user)
        .filter(status=Status.RECEIVED, assignee__isnull=True)
        .annotate(
            due_at=clocks.next_due(),
            urgent_rank=urgent_first,
            # Queued for the worker's auto-dispatch (seconds): the desk need not send anyone.
            auto_dispatching=Exists(PendingDispatch.objects.filter(ticket_id=OuterRef("pk"))),
        )
        .order_by("urgent_rank", F("due_at").asc(nulls_last=True), "received_at", "id")
    )


def _duration(minutes: int) -> str:
    """12 分钟 / 2 小时 5 分 / 3 天 4 小时: as precise as the desk needs at that distance."""
    if minutes < 60:
        return _("%(m)s 分钟") % {"m": minutes}
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)s 小时 %(m)s 分") % {"h": hours, "m": mins} if mins else _("%(h)s 小时") % {"h": hours}
    days, hours = divmod(hours, 24)
    return _("%(d)s 天 %(h)s 小时") % {"d": days, "h": hours} if hours else _("%(d)s 天") % {"d": days}


def due_label(due_at: datetime.datetime | None, now: datetime.datetime) -> tuple[str, str]:
    """The queue row's clock: (``overdue`` | ``due`` | ``""``, "超时 1 小时 5 分" / "剩余 12 分钟")."""
    if due_at is None:
        return "", ""
    seconds = (due_at - now).total_seconds()
    if seconds < 0:
        return "overdue", _("超时 %(time)s") % {"time": _duration(int(-seconds // 60) or 1)}
    return "due", _("剩余 %(time)s") % {"time": _duration(int(seconds // 60))}


# Who may take a request (``tickets.assignees``) ---------------------------------------------------

# Without a rule, the department a request's top-level category usually goes to (the company's
# default tree, ``tickets.choices.DEFAULT_CATEGORIES``); a category not named here goes by its kind.
CATEGORY_DEPARTMENTS = {
    "水电": Department.ENGINEERING,
    "门窗": Department.ENGINEERING,
    "电梯": Department.ENGINEERING,
    "管道疏通": Department.ENGINEERING,
    "公共设施": Department.ENGINEERING,
    "保洁": Department.ENVIRONMENT,
    "绿化": Department.ENVIRONMENT,
    "安全": Department.SECURITY,
    "停车": Department.SECURITY,
    "噪音": Department.SECURITY,
    "服务态度": Department.SERVICE,
}


def _department(need: Need, chain: list) -> tuple[str, int | None, str | None, str]:
    """(department, skill id, skill name, why) of the request: a complaint against a person goes to
    their department; otherwise the project's dispatch rule, the category's usual department, and
    last its kind (repairs to engineering, the rest to customer service)."""
    if need.kind == Kind.COMPLAINT and need.subject_staff_id is not None:
        subject = StaffMember.objects.filter(company_id=need.company_id, pk=need.subject_staff_id).first()
        if subject is not None:
            label = Department(subject.department).label
            why = _("投诉针对%(department)s的 %(name)s") % {"department": label, "name": subject.name}
            return subject.department, None, None, why
    top = chain[-1].name if chain else None
    rule = rule_for(need.project_id, need.building_id, chain)
    if rule is not None:
        why = _("规则 #%(rule)s（%(category)s → %(department)s）") % {
            "rule": rule.pk,
            "category": chain[0].name,
            "department": Department(rule.department).label,
        }
        return rule.department, rule.skill_id, None if rule.skill_id else top, why
    if top in CATEGORY_DEPARTMENTS:
        department = CATEGORY_DEPARTMENTS[top]
        why = _("「%(category)s」通常由%(department)s处理") % {
            "category": top,
            "department": department.label,
        }
        return department, None, top, why
    if need.kind in REPAIR_KINDS:
        return Department.ENGINEERING, None, top, _("报修由工程处理")
    return Department.SERVICE, None, None, _("投诉、咨询与建议由客服处理")


def who_may_take(need: Need, among, now: datetime.datetime) -> Shortlist:
    """The answer to ``tickets.assignees.shortlist``, registered in ``DispatchConfig.ready``.

    The people of ``among`` serving the request's project. Those of the request's department come
    first, ranked as auto-dispatch ranks them (``services.decide``): on duty or holding the skill,
    then the department head, then the rest; within each, on duty first, the skilled first, the
    least open work first. Everyone else follows, on duty and least loaded first. The person a
    complaint is against is not offered. A constant number of queries, whatever the team's size.
    """
    chain = category_chain(need.category_id) if need.category_id is not None else []
    department, skill_id, skill_name, why = _department(need, chain)
    people = (
        serving(among, company_id=need.company_id, project_id=need.project_id)
        .annotate(skilled=holds_skill(skill_id, skill_name))
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.order_by("name"), to_attr="skill_list"))
        .order_by("id")
    )
    if need.subject_staff_id is not None:
        people = people.exclude(pk=need.subject_staff_id)
    duty = {m.pk for m in on_duty(project=need.project_id, at=now)}
    candidates = [
        Candidate(
            member=m,
            department_label=str(Department(m.department).label) if m.department else "",
            on_duty=m.pk in duty,
            open_work=m.load,
            skills=tuple(k.name for k in m.skill_list),
            fits=m.department == department,
            is_head=m.is_head,
        )
        for m in people
    ]

    def rank(c: Candidate):
        skilled = c.member.skilled
        if not c.fits:
            tier = 3
        elif c.is_head:
            tier = 1
        else:
            tier = 0 if c.on_duty or skilled else 2
        return (tier, not c.on_duty, not skilled, c.open_work, c.member.name, c.member.pk)

    return Shortlist(
        department=str(Department(department).label), reason=why, candidates=sorted(candidates, key=rank)
    )
