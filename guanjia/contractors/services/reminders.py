"""Contract expiry: reminders to the owner ahead of the end (per company: 60, 30, 7 days by
default), each sent once, and the ladder (``core.ladder``) when the owner has not decided — renew or
let it end — 30 days before the end (the estates' project managers) and 7 days before (the
company's administrators). Each reminder and each step is a unique row inserted before anyone is
told, so a job run twice, late, or by two workers tells nobody twice."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.contractors import kinds
from guanjia.contractors.choices import ContractEventKind, ContractStatus, EscalationStep
from guanjia.contractors.models import (
    DEFAULT_REMINDER_DAYS,
    Contract,
    ContractEscalation,
    ContractReminder,
    ContractSettings,
)
from guanjia.contractors.services import common
from guanjia.contractors.services.common import timeline
from guanjia.core.errors import NotAllowed
from guanjia.core.ladder import climb
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import save_validated, service
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember

# Steps of the ladder, each at its delay after the contract's last day (before it: negative).
LADDER = [
    (EscalationStep.MANAGER, -datetime.timedelta(days=30)),
    (EscalationStep.ADMIN, -datetime.timedelta(days=7)),
]


def reminder_days(company_id: int) -> list[int]:
    """The company's reminder days, largest first (default 60, 30, 7)."""
    row = ContractSettings.objects.filter(company_id=company_id).first()
    return sorted({int(d) for d in (row.reminder_days if row else DEFAULT_REMINDER_DAYS)}, reverse=True)


MAX_REMINDERS = 5


@service
def reminder_days_set(*, actor, days) -> ContractSettings:
    """The company's reminder days (1 to 5 distinct whole days, each 1–365 before a contract's end).
    Company-wide, so only HQ may set them; contracts already reminded keep what was sent."""
    require(actor, Perm.MANAGE_CONTRACTS)
    scope = scope_for(actor)
    if not scope.is_hq:
        raise NotAllowed(_("提醒天数是全公司的设置，只有总部可以修改"))
    if isinstance(days, str):
        days = [part for part in days.replace("，", ",").replace(" ", ",").split(",") if part]
    try:
        wanted = sorted({int(d) for d in days}, reverse=True)
    except (TypeError, ValueError):
        raise ValidationError({"reminder_days": _("请填写整数天数，用逗号分隔")}) from None
    if not 1 <= len(wanted) <= MAX_REMINDERS:
        raise ValidationError({"reminder_days": _("请填写 1 到 5 个提醒天数")})
    if not all(1 <= d <= 365 for d in wanted):
        raise ValidationError({"reminder_days": _("提醒天数须在 1 到 365 天之间")})
    row = ContractSettings.objects.select_for_update().filter(company_id=scope.company_id).first()
    if row is None:
        row = ContractSettings(company_id=scope.company_id)
    row.reminder_days = wanted
    save_validated(row)
    return row


def _undecided(today: datetime.date, horizon: int):
    return Contract.objects.filter(
        status=ContractStatus.ACTIVE,
        decision="",
        ends_on__gte=today,
        ends_on__lte=today + datetime.timedelta(days=horizon),
    )


def _owner_users(contract: Contract) -> list:
    owner = contract.owner
    return [owner.user] if owner.user_id and owner.deleted_at is None else []


def _params(contract: Contract) -> dict:
    return {
        "number": contract.number,
        "title": contract.title,
        "contractor": contract.contractor.name,
        "ends_on": contract.ends_on.isoformat(),
    }


def remind_expiring(*, now: datetime.datetime | None = None) -> int:
    """Send each undecided contract in force its due reminder: the tightest of the company's days
    it has reached (a contract made 20 days before its end gets the 30-day one, not also the 60).
    Returns how many were sent."""
    now = now or common._now()
    today = timezone.localdate(now)
    settings_by_company = {
        s.company_id: sorted({int(d) for d in s.reminder_days}, reverse=True)
        for s in ContractSettings.objects.all()
    }
    horizon = max([max(DEFAULT_REMINDER_DAYS), *[max(d) for d in settings_by_company.values() if d]])
    due = _undecided(today, horizon).select_related("contractor", "owner__user").order_by("ends_on", "id")
    sent_keys = set(
        ContractReminder.objects.filter(contract__in=due.values("pk")).values_list(
            "contract_id", "days_before"
        )
    )
    sent = 0
    for contract in due.iterator(chunk_size=500):
        days_left = (contract.ends_on - today).days
        reached = [
            d for d in settings_by_company.get(contract.company_id, DEFAULT_REMINDER_DAYS) if days_left <= d
        ]
        if not reached:
            continue
        days_before = min(reached)
        if (contract.pk, days_before) in sent_keys:
            continue
        if _send_reminder(contract, days_before, days_left, now):
            sent += 1
    return sent


def _send_reminder(contract: Contract, days_before: int, days_left: int, now) -> bool:
    recipients = _owner_users(contract)
    try:
        with transaction.atomic():
            ContractReminder.objects.create(
                company_id=contract.company_id,
                contract=contract,
                days_before=days_before,
                sent_at=now,
                notified=[u.pk for u in recipients],
            )
            timeline(
                contract,
                ContractEventKind.REMINDED,
                at=now,
                note=_("距到期 %(days)s 天，提醒负责人 %(owner)s")
                % {"days": days_left, "owner": contract.owner.name},
            )
            notify(
                recipients=recipients,
                subject=Message(_("合同即将到期：%(title)s"), title=contract.title),
                body=Message(
                    _(
                        "合同 %(number)s「%(title)s」（%(contractor)s）将于 %(ends_on)s 到期，还有 %(days)s 天。请决定续签或到期终止。"
                    ),
                    days=days_left,
                    **_params(contract),
                ),
                url=reverse("contractors:contract", args=[contract.pk]),
                related=contract,
                dedup_key=f"contract-{contract.pk}-expiring-{days_before}",
                kind=kinds.EXPIRING,
            )
    except IntegrityError:
        return False
    return True


def _due_at(contract: Contract) -> datetime.datetime:
    """The start of the contract's last day, in Shanghai."""
    return timezone.make_aware(datetime.datetime.combine(contract.ends_on, datetime.time.min))


def escalate_undecided(*, now: datetime.datetime | None = None) -> int:
    """Climb the ladder for contracts in force whose owner has not decided as the end nears."""
    now = now or common._now()
    today = timezone.localdate(now)
    due = (
        _undecided(today, 30)
        .exclude(escalation_step__gte=len(LADDER))
        .select_related("contractor", "owner__user")
        .order_by("ends_on", "id")
    )
    return climb(list(due[:500]), LADDER, due_at=_due_at, now=now, take=_take_step)


def _recipients(contract: Contract, step: int) -> list:
    if step == EscalationStep.MANAGER:
        members = StaffMember.objects.filter(
            projects__in=contract.projects.values("pk"), deleted_at__isnull=True
        ).with_role(Role.PROJECT_MANAGER)
    else:
        members = StaffMember.objects.filter(
            company_id=contract.company_id, deleted_at__isnull=True
        ).with_role(Role.COMPANY_ADMIN)
    users = {m.user for m in members.select_related("user").distinct() if m.user_id}
    users.update(_owner_users(contract))
    return sorted(users, key=lambda u: u.pk)


def _take_step(contract: Contract, step: int, now: datetime.datetime) -> bool:
    recipients = _recipients(contract, step)
    days_left = (contract.ends_on - timezone.localdate(now)).days
    label = EscalationStep(step).label
    try:
        with transaction.atomic():
            ContractEscalation.objects.create(
                company_id=contract.company_id,
                contract=contract,
                step=step,
                happened_at=now,
                notified=[u.pk for u in recipients],
            )
            Contract.objects.filter(pk=contract.pk, escalation_step__lt=step).update(escalation_step=step)
            names = "、".join(u.get_full_name() or u.get_username() for u in recipients)
            timeline(
                contract,
                ContractEventKind.ESCALATED,
                at=now,
                note=_("距到期 %(days)s 天仍未决定续签：%(step)s（%(names)s）")
                % {"days": days_left, "step": label, "names": names},
            )
            notify(
                recipients=recipients,
                subject=Message(_("合同临近到期未决定续签：%(title)s"), title=contract.title),
                body=Message(
                    _(
                        "合同 %(number)s「%(title)s」（%(contractor)s）将于 %(ends_on)s 到期，负责人尚未决定续签或终止（%(step)s）。"
                    ),
                    step=label,
                    **_params(contract),
                ),
                url=reverse("contractors:contract", args=[contract.pk]),
                related=contract,
                dedup_key=f"contract-{contract.pk}-undecided-{step}",
                kind=kinds.UNDECIDED,
            )
    except IntegrityError:
        return False
    contract.escalation_step = step
    return True
