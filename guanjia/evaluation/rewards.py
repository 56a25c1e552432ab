"""Rewards and penalties (奖惩) on a person's record: who may read which, the evidence a proposal may
rest on, the yearly summary, and every write (propose, approve, reject, withdraw).

The rules (docs/staff.md §Rewards and penalties):
- proposed by the head of the person's department (``Perm.PROPOSE_REWARDS``; a project manager may
  propose for anyone of the project), never for oneself;
- evidence: complaint or praise requests, quality findings, service-star awards, ranking rows — of the
  same project and about the same person;
- approved or rejected (with a reason) by the project manager (``Perm.DECIDE_REWARDS``), never by the
  proposer nor the person; the person is told the decision;
- a record, never an action: nothing is paid, deducted or changed anywhere else.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require, scope_for, user_can
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.evaluation import kinds
from guanjia.evaluation.choices import EvidenceKind, RewardKind, RewardStatus
from guanjia.evaluation.models import RankingRow, RewardEvidence, RewardPenalty, StaffAward
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.quality.models import NonConformance
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import Kind
from guanjia.tickets.models import Ticket

DECIDED = (RewardStatus.APPROVED, RewardStatus.REJECTED)


# --- who reads what ---------------------------------------------------------------------------------


def readable(user):
    """The records ``user`` may read, within ``visible_to``: deciders and reviewers every record of
    their projects, a department head those of the department and the ones they proposed, anyone
    else only their own decided ones. Nobody sees a proposal about themselves before it is decided."""
    scope = scope_for(user)
    me = scope.staff_id or 0
    qs = RewardPenalty.objects.visible_to(user)
    own_pending = Q(staff_id=me) & ~Q(status__in=DECIDED)
    if user_can(user, Perm.DECIDE_REWARDS) or user_can(user, Perm.REVIEW_STAFF):
        return qs.exclude(own_pending)
    if user_can(user, Perm.PROPOSE_REWARDS):
        department = StaffMember.objects.filter(pk=me).values_list("department", flat=True).first()
        return qs.filter(Q(staff__department=department) | Q(proposed_by_id=me)).exclude(own_pending)
    return qs.filter(staff_id=me, status__in=DECIDED)


def own_records(user):
    """The person's own decided records (the self page)."""
    me = scope_for(user).staff_id or 0
    return RewardPenalty.objects.visible_to(user).filter(staff_id=me, status__in=DECIDED)


def may_propose_for(user):
    """The people ``user`` may propose for: of their department (all, for a decider), not themselves."""
    scope = scope_for(user)
    if not user_can(user, Perm.PROPOSE_REWARDS):
        return StaffMember.objects.none()
    people = StaffMember.objects.visible_to(user).exclude(pk=scope.staff_id or 0)
    if not user_can(user, Perm.DECIDE_REWARDS):
        department = StaffMember.objects.filter(pk=scope.staff_id or 0).values_list("department", flat=True)
        people = people.filter(department__in=department)
    return people


# --- evidence ---------------------------------------------------------------------------------------


def evidence_candidates(user, project: Project, member: StaffMember) -> dict[str, object]:
    """Per evidence kind, the records of ``project`` about ``member`` that ``user`` sees (newest first)."""
    about = Q(subject_staff=member) | Q(assignee=member) | Q(completed_by=member) | Q(first_contact=member)
    tickets = Ticket.objects.visible_to(user).filter(about, project=project)
    return {
        EvidenceKind.COMPLAINT: tickets.filter(kind=Kind.COMPLAINT).order_by("-received_at", "-id"),
        EvidenceKind.PRAISE: tickets.filter(kind=Kind.PRAISE).order_by("-received_at", "-id"),
        EvidenceKind.FINDING: NonConformance.objects.visible_to(user)
        .filter(project=project, action__owner=member)
        .order_by("-raised_at", "-id"),
        EvidenceKind.AWARD: StaffAward.objects.visible_to(user)
        .filter(project=project, staff=member)
        .order_by("-period", "-id"),
        EvidenceKind.RANKING: RankingRow.objects.visible_to(user)
        .filter(project=project, staff=member)
        .select_related("sheet")
        .order_by("-sheet__quarter", "-id"),
    }


EVIDENCE_FIELD = {
    EvidenceKind.COMPLAINT: "ticket",
    EvidenceKind.PRAISE: "ticket",
    EvidenceKind.FINDING: "finding",
    EvidenceKind.AWARD: "award",
    EvidenceKind.RANKING: "ranking_row",
}


def evidence_label(item) -> str:
    """How an evidence record reads in a list: its number or period, and a few words."""
    if isinstance(item, Ticket):
        return f"{item.number} {item.description[:30]}"
    if isinstance(item, NonConformance):
        return f"{item.number} {item.evidence[:30]}"
    if isinstance(item, StaffAward):
        return f"{item.period} {item.get_kind_display()}"
    if isinstance(item, RankingRow):
        return _("%(quarter)s 第 %(rank)s 名") % {"quarter": item.sheet.quarter, "rank": item.rank}
    return str(item)


def _resolve_evidence(actor, project, member, evidence) -> list[tuple[str, object]]:
    """``[{"kind":, "id":}]`` → the records, each of the project and about the person; 422 on
    ``evidence`` naming the first that is not."""
    if not evidence:
        return []
    candidates = evidence_candidates(actor, project, member)
    out, seen = [], set()
    for item in evidence:
        kind, pk = (item.get("kind"), item.get("id")) if isinstance(item, dict) else (None, None)
        if kind not in EvidenceKind.values:
            raise ValidationError({"evidence": _("依据类别无效：%(kind)s") % {"kind": kind}})
        try:
            pk = int(pk)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"evidence": _("依据编号无效")}) from exc
        if (kind, pk) in seen:
            continue
        seen.add((kind, pk))
        record = candidates[kind].filter(pk=pk).first() if 0 < pk < 2**63 else None
        if record is None:
            raise ValidationError(
                {
                    "evidence": _("%(kind)s #%(pk)s 不是本项目中与该员工有关的记录")
                    % {"kind": EvidenceKind(kind).label, "pk": pk}
                }
            )
        out.append((kind, record))
    return out


# --- writes -----------------------------------------------------------------------------------------


def _money(value, field: str = "amount") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("金额应为数字")}) from exc
    if not amount.is_finite():
        raise ValidationError({field: _("金额应为数字")})
    if amount < 0:
        raise ValidationError({field: _("金额不能为负数，处罚请选择类别“处罚”")})
    if amount >= Decimal("100000000"):
        raise ValidationError({field: _("金额过大")})
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _points(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        points = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"points": _("分值应为整数")}) from exc
    if points < 0:
        raise ValidationError({"points": _("分值不能为负数，处罚请选择类别“处罚”")})
    if points > 1000:
        raise ValidationError({"points": _("分值不能超过 1000")})
    return points


def _me(actor) -> StaffMember:
    staff_id = scope_for(actor).staff_id
    if staff_id is None:
        raise NotAllowed(_("只有员工账号可以办理奖惩"))
    return StaffMember.objects.get(pk=staff_id)


@service
def reward_propose(*, actor, data: dict) -> RewardPenalty:
    """Propose a reward or a penalty for one person of a project, with its evidence. The proposer's
    department heads are told nothing; the project managers are told a proposal waits on them."""
    require(actor, Perm.PROPOSE_REWARDS)
    data = dict(data)
    proposer = _me(actor)
    project = visible_reference(Project, data.get("project_id"), actor, field="project_id")
    member = visible_reference(StaffMember, data.get("staff_id"), actor, field="staff_id")
    if member.pk == proposer.pk:
        raise ValidationError({"staff_id": _("不能为自己提出奖惩")})
    if not member.projects.filter(pk=project.pk).exists():
        raise ValidationError({"staff_id": _("%(name)s 不服务于此项目") % {"name": member.name}})
    if not user_can(actor, Perm.DECIDE_REWARDS) and member.department != proposer.department:
        raise ValidationError({"staff_id": _("部门主管只能为本部门员工提出奖惩")})
    kind = data.get("kind")
    if kind not in RewardKind.values:
        raise ValidationError({"kind": _("请选择奖励或处罚")})
    amount, points = _money(data.get("amount")), _points(data.get("points"))
    if amount is None and points is None:
        raise ValidationError({"amount": _("请填写金额或分值（至少一项）")})
    occurred_on = data.get("occurred_on")
    if isinstance(occurred_on, datetime.date) and occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("发生日期不能晚于今天")})
    evidence = _resolve_evidence(actor, project, member, data.get("evidence") or [])
    record = RewardPenalty(
        company_id=project.company_id,
        project=project,
        staff=member,
        kind=kind,
        reason=(data.get("reason") or "").strip(),
        occurred_on=occurred_on,
        amount=amount,
        points=points,
        proposed_by=proposer,
        proposed_at=timezone.now(),
    )
    save_validated(record)
    journal_bulk_create(
        RewardEvidence.objects.bulk_create(
            [
                RewardEvidence(
                    company_id=record.company_id,
                    project_id=record.project_id,
                    record=record,
                    kind=kind,
                    **{EVIDENCE_FIELD[kind]: target},
                )
                for kind, target in evidence
            ]
        )
    )
    notify(
        recipients=deciders(record),
        subject=Message(gettext_lazy("奖惩待审批：%(name)s"), name=member.name),
        body=Message(
            gettext_lazy("%(proposer)s 提出对 %(name)s 的%(kind)s：%(reason)s"),
            proposer=proposer.name,
            name=member.name,
            kind=record.get_kind_display(),
            reason=record.reason[:60],
        ),
        url=reverse("evaluation:reward_detail", args=[record.pk]),
        related=record,
        dedup_key=f"reward-{record.pk}-proposed",
        kind=kinds.REWARD_PROPOSED,
    )
    return record


def deciders(record: RewardPenalty, *, headquarters: bool = False) -> list:
    """The project's managers (``headquarters``: the company's administrators) who may decide it:
    never the proposer nor the person."""
    members = StaffMember.objects.filter(company_id=record.company_id, deleted_at__isnull=True)
    if headquarters:
        members = members.with_role(Role.COMPANY_ADMIN)
    else:
        members = members.filter(projects=record.project_id).with_role(Role.PROJECT_MANAGER)
    members = members.exclude(pk__in=[record.proposed_by_id, record.staff_id]).select_related("user")
    return [m.user for m in members.distinct() if m.user_id]


def _decide(actor, record: RewardPenalty, status: str, note: str) -> RewardPenalty:
    require(actor, Perm.DECIDE_REWARDS)
    record = lock(record)
    me = _me(actor)
    if record.status != RewardStatus.PROPOSED:
        raise Conflict(_("该奖惩已%(status)s，不能再审批") % {"status": record.get_status_display()})
    if record.proposed_by_id == me.pk:
        raise Conflict(_("不能审批自己提出的奖惩"))
    if record.staff_id == me.pk:
        raise Conflict(_("不能审批对自己的奖惩"))
    record.status = status
    record.decided_by = me
    record.decided_at = timezone.now()
    record.decision_note = (note or "").strip()
    save_validated(record)
    _tell_decision(record)
    return record


def _tell_decision(record: RewardPenalty) -> None:
    people = StaffMember.objects.filter(pk__in=[record.staff_id, record.proposed_by_id]).select_related(
        "user"
    )
    approved = record.status == RewardStatus.APPROVED
    notify(
        recipients=[m.user for m in people if m.user_id],
        subject=Message(
            gettext_lazy("奖惩已批准：%(kind)s") if approved else gettext_lazy("奖惩已驳回：%(kind)s"),
            kind=record.get_kind_display(),
        ),
        body=Message(
            gettext_lazy("对 %(name)s 的%(kind)s（%(reason)s）%(status)s。%(note)s"),
            name=record.staff.name,
            kind=record.get_kind_display(),
            reason=record.reason[:60],
            status=record.get_status_display(),
            note=record.decision_note,
        ),
        url=reverse("evaluation:reward_mine"),
        related=record,
        dedup_key=f"reward-{record.pk}-decided",
        kind=kinds.REWARD_DECIDED,
    )


@service
def reward_approve(*, actor, record: RewardPenalty, note: str = "") -> RewardPenalty:
    """Approve a proposal. The record is the whole effect: no pay, no deduction (docs/staff.md)."""
    return _decide(actor, record, RewardStatus.APPROVED, note)


@service
def reward_reject(*, actor, record: RewardPenalty, note: str) -> RewardPenalty:
    """Reject a proposal, saying why (422 on ``note`` without a reason)."""
    if not (note or "").strip():
        raise ValidationError({"note": _("驳回须填写原因")})
    return _decide(actor, record, RewardStatus.REJECTED, note)


@service
def reward_withdraw(*, actor, record: RewardPenalty) -> RewardPenalty:
    """The proposer takes back a proposal not yet decided."""
    require(actor, Perm.PROPOSE_REWARDS)
    record = lock(record)
    if record.proposed_by_id != scope_for(actor).staff_id:
        raise NotAllowed(_("只有提出人可以撤回"))
    if record.status != RewardStatus.PROPOSED:
        raise Conflict(_("该奖惩已%(status)s，不能撤回") % {"status": record.get_status_display()})
    record.status = RewardStatus.WITHDRAWN
    return save_validated(record)


# --- the yearly summary -----------------------------------------------------------------------------


@dataclass
class SummaryRow:
    staff_id: int
    name: str
    department: str
    employee_no: str
    rewards: int
    reward_amount: Decimal
    reward_points: int
    penalties: int
    penalty_amount: Decimal
    penalty_points: int

    @property
    def net_amount(self) -> Decimal:
        return self.reward_amount - self.penalty_amount

    @property
    def net_points(self) -> int:
        return self.reward_points - self.penalty_points


def _cents(value) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def yearly_summary(user, year: int, *, project_id=None) -> list[SummaryRow]:
    """Per person, the approved rewards and penalties whose deed fell in ``year`` (Shanghai dates):
    counts, sums of amounts and points; people with none are left out."""
    qs = readable(user).filter(status=RewardStatus.APPROVED, occurred_on__year=year)
    if project_id:
        qs = qs.filter(project_id=project_id)
    reward, penalty = Q(kind=RewardKind.REWARD), Q(kind=RewardKind.PENALTY)
    rows = (
        qs.values("staff_id", "staff__name", "staff__department", "staff__employee_no")
        .annotate(
            rewards=Count("id", filter=reward),
            reward_amount=Sum("amount", filter=reward),
            reward_points=Sum("points", filter=reward),
            penalties=Count("id", filter=penalty),
            penalty_amount=Sum("amount", filter=penalty),
            penalty_points=Sum("points", filter=penalty),
        )
        .order_by("staff__name", "staff_id")
    )
    return [
        SummaryRow(
            staff_id=r["staff_id"],
            name=r["staff__name"],
            department=r["staff__department"],
            employee_no=r["staff__employee_no"],
            rewards=r["rewards"],
            reward_amount=_cents(r["reward_amount"]),
            reward_points=r["reward_points"] or 0,
            penalties=r["penalties"],
            penalty_amount=_cents(r["penalty_amount"]),
            penalty_points=r["penalty_points"] or 0,
        )
        for r in rows
    ]
