"""Late fees (滞纳金): off by default; a project turns them on with a daily rate, a grace period, a
cap and the day they start counting (``late_fee_policy_set``).

The amount is a function of the ledger's history, not of when the job runs: for each day after the
grace date (due date + grace days, and not before the policy's start), the daily rate × the
principal still owed at the start of that day (charges, adjustments, payments and refunds: never
the late fee itself, so nothing compounds), summed and rounded once to the cent, at most the cap
(a percentage of the bill's principal). The daily job writes the difference between that amount
and what it wrote before, so running it twice, or late, gives the same amounts. A waiver
(``CorrectionKind.LATE_FEE_WAIVER``) is asked for by one person and approved by another; it is a
negative late-fee entry the job never makes up again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing.choices import BillKind, EntryKind
from guanjia.billing.models import Bill, LateFeePolicy, LedgerEntry
from guanjia.billing.selectors import ZERO, as_of_end, q2
from guanjia.billing.services import common
from guanjia.billing.services.common import _entry
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Project, Unit

POLICY_FIELDS = {"enabled", "daily_rate", "grace_days", "cap_percent", "starts_on"}
PRINCIPAL_KINDS = (EntryKind.CHARGE, EntryKind.ADJUSTMENT, EntryKind.PAYMENT, EntryKind.REFUND)
DAY = datetime.timedelta(days=1)


@service
def late_fee_policy_set(*, actor, data: dict) -> LateFeePolicy:
    """Turn a project's late fees on or off and set the rate, grace days, cap and start day."""
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    policy = LateFeePolicy.objects.select_for_update().filter(project=project).first() or LateFeePolicy(
        company_id=project.company_id,
        project=project,
        starts_on=timezone.localdate(common._now()),
    )
    apply_changes(policy, data, allowed=POLICY_FIELDS)
    if policy.enabled and not policy.daily_rate:
        raise ValidationError({"daily_rate": _("启用滞纳金须填写日费率")})
    return save_validated(policy)


def grace_date(bill: Bill, policy: LateFeePolicy) -> datetime.date:
    return bill.due_on + datetime.timedelta(days=policy.grace_days)


def late_fee_due(bill: Bill, policy: LateFeePolicy, as_of: datetime.date, entries=None) -> Decimal:
    """What the late fee of ``bill`` comes to over the days up to and including ``as_of``: a pure
    function of the ledger's entries before each day (``entries``: the bill's, oldest first)."""
    first = max(grace_date(bill, policy) + DAY, policy.starts_on)
    if as_of < first or not policy.daily_rate:
        return ZERO
    if entries is None:
        entries = list(
            LedgerEntry.objects.filter(bill=bill, kind__in=PRINCIPAL_KINDS)
            .order_by("time", "id")
            .values_list("time", "kind", "amount")
        )
    base = sum(
        (amount for _t, kind, amount in entries if kind in (EntryKind.CHARGE, EntryKind.ADJUSTMENT)), ZERO
    )
    cap = q2(max(base, ZERO) * policy.cap_percent / Decimal(100))
    total, owed, index, day = Decimal(0), Decimal(0), 0, first
    while day <= as_of:
        start = as_of_end(day - DAY)  # the first moment of ``day``
        while index < len(entries) and entries[index][0] < start:
            owed += entries[index][2]
            index += 1
        if owed > 0:
            total += owed * policy.daily_rate
            if total >= cap:
                return cap
        day += DAY
    return min(q2(total), cap)


def _accrued(bill_id: int) -> Decimal:
    """What the job wrote for a bill so far (waivers, which carry their correction, aside)."""
    rows = LedgerEntry.objects.filter(bill_id=bill_id, kind=EntryKind.LATE_FEE, correction__isnull=True)
    return q2(sum(rows.values_list("amount", flat=True), ZERO))


def accrue_bill(*, bill: Bill, policy: LateFeePolicy, as_of: datetime.date) -> Decimal:
    """Write the late fee of a bill up to ``as_of`` not yet written; returns the amount written."""
    lock(Unit(pk=bill.unit_id))
    target = late_fee_due(bill, policy, as_of)
    delta = q2(target - _accrued(bill.pk))
    if delta <= 0:
        return ZERO
    _entry(
        bill=bill,
        kind=EntryKind.LATE_FEE,
        amount=delta,
        actor=None,
        now=common._now(),
        reason=_("滞纳金（计至 %(day)s）") % {"day": as_of.isoformat()},
    )
    return delta


@service
def late_fees_accrue(*, as_of: datetime.date | None = None) -> dict:
    """The daily job: every bill past its grace date in a project with late fees on. Idempotent:
    the same day twice writes nothing more; a day missed is made up by the next run."""
    as_of = as_of or timezone.localdate(common._now())
    written, total = 0, ZERO
    for policy in LateFeePolicy.objects.filter(enabled=True).order_by("project_id"):
        last_due = as_of - datetime.timedelta(days=policy.grace_days + 1)
        bills = Bill.objects.filter(
            Q(kind=BillKind.PERIODIC) | Q(kind=BillKind.SERVICE),
            project_id=policy.project_id,
            due_on__lte=last_due,
        ).order_by("id")
        for bill in bills.iterator():
            amount = accrue_bill(bill=bill, policy=policy, as_of=as_of)
            if amount:
                written += 1
                total += amount
    return {"bills": written, "amount": total}


def waivable(bill: Bill) -> Decimal:
    """The late fee of a bill that may still be waived: written, less waivers, not more than owed."""
    rows = LedgerEntry.objects.filter(bill=bill)
    late = q2(sum(rows.filter(kind=EntryKind.LATE_FEE).values_list("amount", flat=True), ZERO))
    owed = q2(sum(rows.values_list("amount", flat=True), ZERO))
    return max(min(late, owed), ZERO)
