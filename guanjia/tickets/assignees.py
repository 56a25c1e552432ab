"""Who may take a request: the people the desk is offered when it sends or re-sends someone.

Which department a request belongs to, who of it is on duty and how much open work each has are
the dispatch app's knowledge (its rules, the rota, the workload), and ``dispatch`` sits above
``tickets``. So ``tickets`` names the question here — "who of these people, best first, and why" —
and dispatch answers it from ``DispatchConfig.ready()`` (``provide``). The intake form and the
dispatch / reassign forms ask it; the services still decide on submit whether the person chosen
may take the request (``services._staff_for``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from guanjia.estates.models import Building, Project, Unit
from guanjia.tickets import services
from guanjia.tickets.choices import Kind
from guanjia.tickets.models import TicketCategory


@dataclass(frozen=True)
class Need:
    """What the request needs, as known while it is being received or re-sent."""

    company_id: int
    project_id: int
    kind: str
    category_id: int | None = None
    building_id: int | None = None
    # A complaint against a person: their own department answers it, never they themselves.
    subject_staff_id: int | None = None

    @classmethod
    def of(cls, ticket) -> Need:
        building_id = ticket.building_id
        if building_id is None and ticket.unit_id is not None:
            unit = ticket._state.fields_cache.get("unit")
            building_id = unit.building_id if unit is not None else None
        return cls(
            company_id=ticket.company_id,
            project_id=ticket.project_id,
            kind=ticket.kind,
            category_id=ticket.category_id,
            building_id=building_id,
            subject_staff_id=ticket.subject_staff_id,
        )


@dataclass(frozen=True)
class Candidate:
    """One person offered, with the facts the desk chooses by."""

    member: object  # staff.StaffMember
    department_label: str
    on_duty: bool
    open_work: int
    skills: tuple[str, ...] = ()
    fits: bool = False  # of the department the request belongs to
    is_head: bool = False

    @property
    def label(self) -> str:
        """张三 · 秩序 · 当班 · 未完成 2 单 · 水电、电梯"""
        parts = [
            self.member.name,
            _("%(department)s主管") % {"department": self.department_label}
            if self.is_head
            else self.department_label,
            _("当班") if self.on_duty else _("不在班"),
            _("未完成 %(n)s 单") % {"n": self.open_work},
        ]
        if self.skills:
            parts.append("、".join(self.skills))
        return " · ".join(parts)


@dataclass(frozen=True)
class Shortlist:
    """The people offered: those of ``department`` (the request's) first, best first, then the rest."""

    department: str  # its label ("秩序"), or "" when nothing says which
    reason: str  # why that department, in words for the desk
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def fitting(self) -> list[Candidate]:
        return [c for c in self.candidates if c.fits]

    @property
    def others(self) -> list[Candidate]:
        return [c for c in self.candidates if not c.fits]


# (need, among: the staff the user may choose, now) -> Shortlist
Provider = Callable[[Need, QuerySet, datetime.datetime], Shortlist]

_provider: Provider | None = None


def provide(provider: Provider) -> None:
    global _provider
    _provider = provider


def shortlist(need: Need, *, among: QuerySet, now: datetime.datetime | None = None) -> Shortlist:
    """The people of ``among`` (a staff queryset the user may choose from) who serve the request's
    project, those of the request's department first: on duty first, least open work first."""
    if _provider is None:
        raise ImproperlyConfigured(
            "No app answers who may take a request (guanjia.dispatch must be installed)."
        )
    return _provider(need, among, now or services._now())


# The forms' choices -------------------------------------------------------------------------------


def _pk(data, key: str) -> int | None:
    value = str(data.get(key) or "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def intake_need(user, data) -> Need | None:
    """What a request being received at the desk needs, from its form as filled in so far: the
    place (the caller's unit, else the building, else the project, else the user's only project),
    the kind, the category and whom a complaint is against. None while the project is unknown."""
    place = None
    if (unit_id := _pk(data, "unit_id")) is not None:
        place = (
            Unit.objects.visible_to(user).filter(pk=unit_id).values("company_id", "project_id", "building_id")
        )
    elif (building_id := _pk(data, "building_id")) is not None:
        place = (
            Building.objects.visible_to(user)
            .filter(pk=building_id)
            .values("company_id", "project_id", building_id=F("pk"))
        )
    elif (project_id := _pk(data, "project_id")) is not None:
        place = (
            Project.objects.visible_to(user).filter(pk=project_id).values("company_id", project_id=F("pk"))
        )
    rows = list(place[:1]) if place is not None else []
    if not rows:
        rows = list(Project.objects.visible_to(user).values("company_id", project_id=F("pk"))[:2])
        if len(rows) != 1:
            return None
    row = rows[0]
    category_id = _pk(data, "category_id")
    if (
        category_id is not None
        and not TicketCategory.objects.visible_to(user).filter(pk=category_id).exists()
    ):
        category_id = None
    kind = data.get("kind")
    return Need(
        company_id=row["company_id"],
        project_id=row["project_id"],
        kind=kind if kind in Kind.values else Kind.HOME_REPAIR,
        category_id=category_id,
        building_id=row.get("building_id"),
        subject_staff_id=_pk(data, "subject_staff_id"),
    )


def offer(field, need: Need | None, *, among: QuerySet, blank: str) -> Shortlist | None:
    """Make a staff choice field offer the shortlist of ``need``, grouped (the request's department
    first), each person labelled with their facts. ``among`` stays the field's queryset: on submit
    the field accepts only those, and the service decides whether they may take the request."""
    field.queryset = among
    if need is None:
        field.choices = [("", blank)]
        field.help_text = _("先选择来电人或项目，再按部门推荐人员")
        return None
    found = shortlist(need, among=among)
    choices: list = [("", blank)]
    if found.fitting:
        group = _("%(department)s（推荐）") % {"department": found.department}
        choices.append((group, [(c.member.pk, c.label) for c in found.fitting]))
    if found.others:
        choices.append((_("其他人员"), [(c.member.pk, c.label) for c in found.others]))
    field.choices = choices
    field.help_text = _("%(reason)s：%(department)s人员在前，当班、未完成少者优先") % {
        "reason": found.reason,
        "department": found.department,
    }
    return found
