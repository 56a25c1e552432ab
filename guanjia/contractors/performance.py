"""Contractor performance per contract and period (month or quarter): the evidence for renewing or
not. Each figure has one meaning, written in docs/figures.md ("Contractor performance"):

- 工单时限 (requests): the response, on-site and completion clocks (``sla.TicketDeadline``) of the
  contract's requests — those in the contract's estates handled by the firm's people (assignee is
  an ``OutsourcedWorker`` of the firm) or raised for equipment the contract covers
  (``facilities.EquipmentRepair``) — judged in the period by sla's own rule (``met`` / ``missed``);
  rate = met ÷ judged.
- 计划任务 (planned work): maintenance, cleaning, pest-control and greening tasks
  (``facilities.MaintenanceTask``) in the contract's estates on equipment it covers or given to
  the firm's people, falling due in the period (up to now); on time = done by its due moment.
- 品质核查 (quality audits): audits of the contract's estates submitted in the period: how many,
  their mean and lowest score, and the checklist lines failed.

A period is cut in Shanghai time and clipped to the contract's own life (start to its end or
termination). Only the estates the viewer may see are counted. Five grouped queries, whatever the
number of periods.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, F, Min, Q
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone

from guanjia.contractors.choices import PerformancePeriod
from guanjia.contractors.models import Contract, OutsourcedWorker
from guanjia.estates.models import Project
from guanjia.facilities.models import MaintenanceTask
from guanjia.quality.choices import AuditStatus, Outcome
from guanjia.quality.models import Audit, AuditResult
from guanjia.sla.choices import Stage
from guanjia.sla.models import TicketDeadline
from guanjia.tickets.models import Ticket

WORK_STAGES = (Stage.RESPONSE, Stage.ON_SITE, Stage.COMPLETE)
MAX_PERIODS = 12


def rate(part: int, whole: int) -> Decimal | None:
    """A share in per cent to 0.1 (None when nothing was counted)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class PeriodFigures:
    start: datetime.date
    end: datetime.date  # exclusive
    label: str
    deadlines_judged: int = 0
    deadlines_on_time: int = 0
    tasks_due: int = 0
    tasks_on_time: int = 0
    tasks_open: int = 0
    audits: int = 0
    audit_mean: Decimal | None = None
    audit_min: Decimal | None = None
    audit_failed_lines: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def deadline_rate(self) -> Decimal | None:
        return rate(self.deadlines_on_time, self.deadlines_judged)

    @property
    def task_rate(self) -> Decimal | None:
        return rate(self.tasks_on_time, self.tasks_due)


def _period_start(day: datetime.date, period: str) -> datetime.date:
    month = day.month if period == PerformancePeriod.MONTH else 3 * ((day.month - 1) // 3) + 1
    return day.replace(month=month, day=1)


def _next(start: datetime.date, period: str) -> datetime.date:
    months = 1 if period == PerformancePeriod.MONTH else 3
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


def _label(start: datetime.date, period: str) -> str:
    if period == PerformancePeriod.MONTH:
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"


def contract_life(contract: Contract) -> tuple[datetime.date, datetime.date]:
    """[first day, day after the last) of the contract's own life."""
    last = contract.terminated_on or contract.ends_on
    return contract.starts_on, min(last, contract.ends_on) + datetime.timedelta(days=1)


def periods(contract: Contract, period: str, today: datetime.date) -> list[PeriodFigures]:
    """The contract's periods from its start up to today (at most the last 12), newest first."""
    first, after = contract_life(contract)
    stop = min(after, today + datetime.timedelta(days=1))
    rows = []
    start = _period_start(first, period)
    while start < stop:
        end = _next(start, period)
        rows.append(PeriodFigures(start=max(start, first), end=min(end, after), label=_label(start, period)))
        start = end
    return list(reversed(rows[-MAX_PERIODS:]))


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _key(value, period: str) -> str:
    """The period label of a truncated moment (or date)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _label(value, period)


def contract_performance(
    contract: Contract, user, *, period: str = PerformancePeriod.MONTH, now=None
) -> list[PeriodFigures]:
    """The contract's figures per period (see the module's docstring for each one's meaning)."""
    now = now or timezone.now()
    rows = periods(contract, period, timezone.localdate(now))
    if not rows:
        return rows
    by_label = {r.label: r for r in rows}
    start, end = _aware(min(r.start for r in rows)), _aware(max(r.end for r in rows))
    tz = ZoneInfo(settings.TIME_ZONE)
    trunc = TruncMonth if period == PerformancePeriod.MONTH else TruncQuarter

    projects = (
        Project.objects.visible_to(user)
        .filter(pk__in=Contract.projects.through.objects.filter(contract_id=contract.pk).values("project_id"))
        .values("pk")
    )
    people = OutsourcedWorker.objects.filter(contractor_id=contract.contractor_id).values("staff_member_id")
    equipment = Contract.equipment.through.objects.filter(contract_id=contract.pk).values("equipment_id")

    tickets = Ticket.objects.filter(project_id__in=projects).filter(
        Q(assignee_id__in=people) | Q(facility_repair__equipment_id__in=equipment)
    )
    clocks = TicketDeadline.objects.filter(ticket_id__in=tickets.values("pk"), stage__in=WORK_STAGES)
    for row in (
        clocks.met(start, end).annotate(p=trunc("done_at", tzinfo=tz)).values("p").annotate(n=Count("pk"))
    ):
        figures = by_label.get(_key(row["p"], period))
        if figures:
            figures.deadlines_on_time += row["n"]
            figures.deadlines_judged += row["n"]
    for row in (
        clocks.missed(start, end, now)
        .annotate(p=trunc("due_at", tzinfo=tz))
        .values("p")
        .annotate(n=Count("pk"))
    ):
        figures = by_label.get(_key(row["p"], period))
        if figures:
            figures.deadlines_judged += row["n"]

    tasks = (
        MaintenanceTask.objects.filter(project_id__in=projects)
        .filter(Q(equipment_id__in=equipment) | Q(assignee_id__in=people))
        .filter(due_at__gte=start, due_at__lt=min(end, now))
        .annotate(p=trunc("due_at", tzinfo=tz))
        .values("p")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(done_at__lte=F("due_at"))),
            open=Count("pk", filter=Q(done_at__isnull=True)),
        )
    )
    for row in tasks:
        figures = by_label.get(_key(row["p"], period))
        if figures:
            figures.tasks_due += row["n"]
            figures.tasks_on_time += row["on_time"]
            figures.tasks_open += row["open"]

    audits = Audit.objects.filter(
        project_id__in=projects, status=AuditStatus.SUBMITTED, submitted_at__gte=start, submitted_at__lt=end
    )
    for row in (
        audits.annotate(p=trunc("submitted_at", tzinfo=tz))
        .values("p")
        .annotate(n=Count("pk"), mean=Avg("score"), low=Min("score"))
    ):
        figures = by_label.get(_key(row["p"], period))
        if figures:
            figures.audits += row["n"]
            figures.audit_mean = (
                Decimal(str(row["mean"])).quantize(Decimal("0.1")) if row["mean"] is not None else None
            )
            figures.audit_min = row["low"]
    failed = (
        AuditResult.objects.filter(audit__in=audits.values("pk"), outcome=Outcome.FAIL)
        .annotate(p=trunc("audit__submitted_at", tzinfo=tz))
        .values("p")
        .annotate(n=Count("pk"))
    )
    for row in failed:
        figures = by_label.get(_key(row["p"], period))
        if figures:
            figures.audit_failed_lines += row["n"]
    return rows
