"""The loops that reach the bill: a paid service confirmed on a request becomes a bill (有偿服务),
and the pay-by-satisfaction result (买单式) is applied to the management fee of the months it governs.

Both write exactly once: a paid-service bill has the key ``ticket:<id>`` (unique per company) and
each of its lines the request's charge line (one-to-one); a bill's settlement is one-to-one with the
bill. Neither ever edits or deletes an entry: a cancelled request's bill is reversed by an
adjustment, and money already paid on it moves to the unit's credit (预存).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import selectors
from guanjia.billing.choices import BillKind, ChargeKind, EntryKind
from guanjia.billing.models import Bill, BillLine, ChargeItem, FeeSettlement, LedgerEntry, Payment
from guanjia.billing.selectors import HALF_CENT, ZERO, q2
from guanjia.billing.services import common
from guanjia.billing.services.common import _entry, check_period, current_period, period_end
from guanjia.billing.services.payments import _apply_credit
from guanjia.core.context import current as current_change
from guanjia.core.fee_results import fee_result
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.models import Project, Unit
from guanjia.tickets.choices import Status as TicketStatus
from guanjia.tickets.models import Ticket, TicketCharge


def ticket_key(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


# Paid services (有偿服务) ------------------------------------------------------------------------------


def _service_item(company_id: int) -> ChargeItem:
    """The company's charge item for paid services, made the first time one is billed."""
    item = ChargeItem.objects.filter(company_id=company_id, kind=ChargeKind.SERVICE).order_by("id").first()
    if item is not None:
        return item
    name = _("有偿服务")
    if ChargeItem.objects.filter(company_id=company_id, name=name).exists():
        name = _("有偿服务（工单）")
    return save_validated(
        ChargeItem(company_id=company_id, name=name, kind=ChargeKind.SERVICE, unit_price=Decimal("0"))
    )


def bill_ticket_charges(*, ticket: Ticket, actor=None) -> Bill | None:
    """The bill of a request's confirmed charges, issued exactly once: one line per charge line,
    linked to the request; a second call returns the first bill. None when there is nothing
    confirmed or the request has no unit (a public area has no statement)."""
    if ticket.unit_id is None or ticket.charges_confirmed_at is None:
        return None
    if ticket.status == TicketStatus.CANCELLED:
        return None
    key = ticket_key(ticket.pk)
    lock(Unit(pk=ticket.unit_id))
    first = Bill.objects.filter(company_id=ticket.company_id, key=key).first()
    if first is not None:
        return first
    charges = list(
        TicketCharge.objects.filter(ticket=ticket, confirmed_at__isnull=False, amount__gt=0).order_by("id")
    )
    if not charges:
        return None
    actor = actor or current_change().get_actor()
    now = common._now()
    period = current_period(now)
    item = _service_item(ticket.company_id)
    bill = save_validated(
        Bill(
            company_id=ticket.company_id,
            project_id=ticket.project_id,
            unit_id=ticket.unit_id,
            kind=BillKind.SERVICE,
            period=period,
            total=sum((c.amount for c in charges), ZERO),
            due_on=period_end(period),
            issued_at=now,
            key=key,
            ticket=ticket,
        )
    )
    lines, entries = [], []
    for charge in charges:
        description = f"{ticket.number} {charge.description}"[:120]
        lines.append(
            BillLine(
                company_id=bill.company_id,
                project_id=bill.project_id,
                bill=bill,
                item=item,
                description=description,
                quantity=charge.quantity,
                unit_price=charge.unit_price,
                amount=charge.amount,
                ticket_charge=charge,
            )
        )
        entries.append(
            LedgerEntry(
                company_id=bill.company_id,
                project_id=bill.project_id,
                unit_id=bill.unit_id,
                bill=bill,
                kind=EntryKind.CHARGE,
                amount=charge.amount,
                period=period,
                time=now,
                actor=actor,
                reason=description[:200],
            )
        )
    BillLine.objects.bulk_create(lines)
    LedgerEntry.objects.bulk_create(entries)
    journal_bulk_create([*lines, *entries])
    _apply_credit(actor=actor, unit_ids=[bill.unit_id], now=now)
    return bill


def _release_paid(*, bill: Bill, amount: Decimal, actor, now, reason: str) -> Decimal:
    """Move up to ``amount`` of the money paid on ``bill`` to the payers' credit, newest payment
    first: the payment leaves the bill (+) and stays with the unit (−). Returns what was moved."""
    moved = ZERO
    rows = (
        LedgerEntry.objects.filter(bill=bill, payment__isnull=False)
        .values("payment_id")
        .annotate(net=Sum("amount"))
        .filter(net__lte=-HALF_CENT)
        .order_by("-payment_id")
    )
    payments = Payment.objects.in_bulk([row["payment_id"] for row in rows])
    for row in rows:
        if moved >= amount:
            break
        share = min(q2(-row["net"]), amount - moved)
        payment = payments[row["payment_id"]]
        _entry(
            bill=bill,
            payment=payment,
            kind=EntryKind.PAYMENT,
            amount=share,
            actor=actor,
            now=now,
            reason=reason,
        )
        _entry(payment=payment, kind=EntryKind.PAYMENT, amount=-share, actor=actor, now=now, reason=reason)
        moved += share
    return moved


def reverse_ticket_bill(*, ticket: Ticket, actor=None) -> Bill | None:
    """A request cancelled after its charges were billed: the bill is reversed by one adjustment
    of what it still bills, never deleted; what was paid on it becomes the unit's credit. Twice
    changes nothing (the bill bills nothing any more)."""
    bill = Bill.objects.filter(company_id=ticket.company_id, key=ticket_key(ticket.pk)).first()
    if bill is None:
        return None
    lock(Unit(pk=bill.unit_id))
    amounts = selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get()
    billed = q2(amounts.billed)
    if billed <= 0:
        return bill
    actor = actor or current_change().get_actor()
    now = common._now()
    reason = _("工单 %(no)s 已取消，冲销有偿服务费") % {"no": ticket.number}
    paid = q2(amounts.paid)
    if paid > 0:
        _release_paid(bill=bill, amount=paid, actor=actor, now=now, reason=reason)
    _entry(bill=bill, kind=EntryKind.ADJUSTMENT, amount=-billed, actor=actor, now=now, reason=reason)
    _apply_credit(actor=actor, unit_ids=[bill.unit_id], now=now)
    return bill


def on_ticket_transition(transition) -> dict | None:
    """``tickets.events`` handler (registered in ``BillingConfig.ready``): confirmed charges become
    a bill; a cancelled request's bill is reversed. Runs in the action's transaction."""
    ticket = transition.ticket
    if transition.action == "confirm_charges":
        bill = bill_ticket_charges(ticket=ticket)
        return {"bill_id": bill.pk} if bill is not None else None
    if transition.action == "cancel" and ticket.charges_confirmed_at is not None:
        bill = reverse_ticket_bill(ticket=ticket)
        return {"bill_reversed": bill.pk} if bill is not None else None
    return None


@service
def bill_confirmed_charges_scheduled() -> int:
    """The daily job's catch-up: requests whose confirmed charges have no bill yet (confirmed before
    billing listened, or by a path that did not announce) get one. Idempotent by the bill's key."""
    billed = Bill.objects.filter(kind=BillKind.SERVICE, ticket__isnull=False).values("ticket_id")
    tickets = (
        Ticket.objects.filter(charges_confirmed_at__isnull=False, unit__isnull=False)
        .exclude(status=TicketStatus.CANCELLED)
        .exclude(pk__in=billed)
        .order_by("id")
    )
    made = 0
    for ticket in tickets:
        if bill_ticket_charges(ticket=ticket) is not None:
            made += 1
    return made


# Pay by satisfaction (买单式) -------------------------------------------------------------------------


def _settle(*, bill: Bill, result, actor, now) -> FeeSettlement | None:
    base = q2(bill.lines.filter(item__kind=ChargeKind.AREA).aggregate(s=Sum("amount", default=ZERO))["s"])
    if base <= 0:
        return None
    due = q2(base * result.fee_percent / Decimal(100))
    settlement = save_validated(
        FeeSettlement(
            company_id=bill.company_id,
            project_id=bill.project_id,
            bill=bill,
            survey_id=result.survey_id,
            survey_label=result.label,
            satisfied_share=result.satisfied_share,
            fee_percent=result.fee_percent,
            base=base,
            amount_due=due,
            applied_at=now,
        )
    )
    change = due - base
    if change:
        reason = _("买单式：满意率 %(share)s%%，按 %(pct)s%% 收取物业费") % {
            "share": q2(result.satisfied_share * 100),
            "pct": result.fee_percent,
        }
        if change < 0:
            owed = q2(selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get().outstanding)
            if -change > owed:  # already paid: the part paid beyond the new amount becomes credit
                _release_paid(
                    bill=bill, amount=-change - max(owed, ZERO), actor=actor, now=now, reason=reason
                )
        _entry(bill=bill, kind=EntryKind.ADJUSTMENT, amount=change, actor=actor, now=now, reason=reason)
        _apply_credit(actor=actor, unit_ids=[bill.unit_id], now=now)
    return settlement


def _settle_period(*, actor, project: Project, period: str) -> dict:
    result = fee_result(project.pk, period)
    if result is None:
        return {"result": None, "settled": 0, "existing": 0}
    lock(project)
    bills = list(
        Bill.objects.filter(project=project, period=period, kind=BillKind.PERIODIC)
        .filter(lines__item__kind=ChargeKind.AREA)
        .distinct()
        .order_by("unit_id")
    )
    done = set(FeeSettlement.objects.filter(bill__in=bills).values_list("bill_id", flat=True))
    now = common._now()
    settled = 0
    for bill in bills:
        if bill.pk in done:
            continue
        lock(Unit(pk=bill.unit_id))
        if _settle(bill=bill, result=result, actor=actor, now=now) is not None:
            settled += 1
    return {"result": result, "settled": settled, "existing": len(done)}


@service
def fee_settlements_apply(*, actor, project: Project, period: str) -> dict:
    """Apply the satisfaction result governing ``period`` to the project's management-fee bills of
    that month, each exactly once. 422 on ``period`` when no closed survey with a published scale
    governs it."""
    require(actor, Perm.CHANGE_BILLING)
    check_period(period)
    outcome = _settle_period(actor=actor, project=project, period=period)
    if outcome["result"] is None:
        raise ValidationError({"period": _("该账期没有已结束的满意度调查，或项目未公布买单式标准")})
    return outcome


@service
def fee_settlements_scheduled(*, months: int = 6) -> int:
    """The daily job: every month of the last ``months`` with management-fee bills not yet settled
    whose result is now known gets settled (idempotent: one settlement per bill)."""
    today = timezone.localdate(common._now())
    periods = []
    year, month = today.year, today.month
    for _i in range(months):
        periods.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    pending = (
        Bill.objects.filter(period__in=periods, kind=BillKind.PERIODIC, lines__item__kind=ChargeKind.AREA)
        .filter(~Q(pk__in=FeeSettlement.objects.values("bill_id")))
        .values_list("project_id", "period")
        .distinct()
        .order_by("project_id", "period")
    )
    settled = 0
    for project_id, period in pending:
        project = Project.objects.get(pk=project_id)
        settled += _settle_period(actor=None, project=project, period=period)["settled"]
    return settled
