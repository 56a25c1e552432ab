"""Reads of fees: a bill's amounts from the ledger, arrears with their ageing, the collection rate.

Every figure is one aggregate query over the ledger (no loop over bills or units), so its cost does
not grow with the number of projects on a page. The figures are taken as of a day (``as_of``, a
Shanghai day, today by default): entries written after that day are left out, so a figure for a
past day reads the same tomorrow. Their definitions are in ``docs/figures.md``.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    CharField,
    DateField,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from guanjia.billing.choices import BillKind, BillStatus, EntryKind
from guanjia.billing.models import Bill, LedgerEntry

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
# Comparisons with a sum in SQL allow for SQLite's floating-point sums (PostgreSQL's are exact).
HALF_CENT = Decimal("0.005")
BILLED_KINDS = (EntryKind.CHARGE, EntryKind.ADJUSTMENT)
# What a bill asks for: its charges and adjustments, and its late fees (shown apart as ``late_fee``).
BILL_KINDS = (*BILLED_KINDS, EntryKind.LATE_FEE)
PAID_KINDS = (EntryKind.PAYMENT, EntryKind.REFUND)
AGEING_BUCKETS = (("d30", 0, 30), ("d90", 31, 90), ("d180", 91, 180), ("older", 181, None))


def q2(value) -> Decimal:
    """Money to the cent, half up; never "-0.00" (SQLite sums decimals as floating point, so a sum
    that nets to nothing can come back as a tiny negative)."""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return amount if amount else ZERO


def as_of_end(as_of: datetime.date) -> datetime.datetime:
    """The first moment after the Shanghai day ``as_of``: entries from then on are not counted."""
    return timezone.make_aware(
        datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min)
    )


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` of ``whole`` in per cent to 0.1, half up; ``None`` only when there is no ``whole``
    (a rate of nothing collected is 0.0, not "—")."""
    if whole <= 0:
        return None
    rate = (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return rate if rate else Decimal("0.0")


def _entry_sum(kinds=None):
    entries = LedgerEntry.objects.filter(bill_id=OuterRef("pk"))
    if kinds:
        entries = entries.filter(kind__in=kinds)
    total = entries.order_by().values("bill_id").annotate(s=Sum("amount")).values("s")
    # Rounded to the cent in SQL: SQLite sums decimals as floating point (PostgreSQL's are exact).
    return Coalesce(Round(Subquery(total, output_field=MONEY), 2), Value(ZERO), output_field=MONEY)


def with_amounts(bills):
    """Bills with ``billed`` (charges, adjustments and late fees), ``late_fee`` (the late fees, less
    waivers, shown apart), ``outstanding`` and ``status`` from the ledger."""
    return bills.annotate(
        outstanding=_entry_sum(),
        billed=_entry_sum(BILL_KINDS),
        late_fee=_entry_sum((EntryKind.LATE_FEE,)),
    ).annotate(
        paid=F("billed") - F("outstanding"),
        status=Case(
            When(outstanding__lt=HALF_CENT, then=Value(BillStatus.PAID.value)),
            When(outstanding__gt=F("billed") - HALF_CENT, then=Value(BillStatus.OPEN.value)),
            default=Value(BillStatus.PARTIAL.value),
            output_field=CharField(),
        ),
    )


def open_bills(unit_id: int):
    """A unit's bills with something owed, oldest due first: the order payments are allocated in."""
    return (
        with_amounts(Bill.objects.filter(unit_id=unit_id))
        .filter(outstanding__gte=HALF_CENT)
        .order_by("due_on", "period", "id")
    )


def unit_balance(unit_id: int) -> dict:
    """What a unit owes over all its bills, and its credit (money received not yet allocated)."""
    sums = LedgerEntry.objects.filter(unit_id=unit_id).aggregate(
        owed=Sum("amount", filter=Q(bill__isnull=False), default=ZERO),
        credit=Sum("amount", filter=Q(bill__isnull=True), default=ZERO),
    )
    owed, credit = q2(sums["owed"]), q2(-sums["credit"])
    return {"owed": owed, "credit": credit, "balance": owed - credit}


def arrears(
    user,
    *,
    today: datetime.date,
    project_id: int | None = None,
    unit_id: int | None = None,
):
    """Per unit, as of the Shanghai day ``today``: what is owed on bills past their due date (due
    before that day), split by days past due (1–30, 31–90, 91–180, >180). Entries written after
    that day (a later payment, a later refund) are not counted. One grouped query over the ledger."""
    entries = LedgerEntry.objects.visible_to(user).filter(
        bill__isnull=False, bill__due_on__lt=today, time__lt=as_of_end(today)
    )
    if project_id:
        entries = entries.filter(project_id=project_id)
    if unit_id:
        entries = entries.filter(unit_id=unit_id)
    buckets = {}
    for name, low, high in AGEING_BUCKETS:
        cond = Q(bill__due_on__lte=today - datetime.timedelta(days=max(low, 1)))
        if high is not None:
            cond &= Q(bill__due_on__gte=today - datetime.timedelta(days=high))
        buckets[name] = Sum("amount", filter=cond, default=ZERO)
    return (
        entries.values("unit_id", "unit__number", "unit__building__name", "project_id", "project__name")
        .annotate(total=Sum("amount"), as_of=Value(today, output_field=DateField()), **buckets)
        .filter(total__gte=HALF_CENT)
        .order_by("-total", "unit_id")
    )


def collection(
    user,
    *,
    period_from: str,
    period_to: str,
    project_id: int | None = None,
    as_of: datetime.date | None = None,
) -> list[dict]:
    """收缴率 per project and period, as of the Shanghai day ``as_of`` (default today): what was
    collected (payments less refunds) of what was billed (charges and adjustments) on the period's
    monthly bills. Entries written after ``as_of`` are not counted; one-off bills (the refundable
    renovation deposit) are neither billed nor collected here. One grouped query over the ledger."""
    as_of = as_of or timezone.localdate()
    entries = LedgerEntry.objects.visible_to(user).filter(
        period__gte=period_from,
        period__lte=period_to,
        time__lt=as_of_end(as_of),
        bill__kind=BillKind.PERIODIC,
    )
    if project_id:
        entries = entries.filter(project_id=project_id)
    rows = list(
        entries.values("project_id", "project__name", "period")
        .annotate(
            billed=Sum("amount", filter=Q(kind__in=BILLED_KINDS), default=ZERO),
            collected=Sum("amount", filter=Q(kind__in=PAID_KINDS), default=ZERO),
        )
        .order_by("project__name", "project_id", "period")
    )
    for row in rows:
        row["billed"] = q2(row["billed"])
        row["collected"] = q2(-row["collected"])
        row["outstanding"] = q2(row["billed"] - row["collected"])
        row["rate"] = percent(row["collected"], row["billed"])
        row["as_of"] = as_of
    return rows


def shape_arrears(rows) -> list[dict]:
    out = []
    for row in rows:
        item = {
            "as_of": row["as_of"],
            "unit_id": row["unit_id"],
            "unit": f"{row['unit__building__name']}-{row['unit__number']}",
            "project_id": row["project_id"],
            "project_name": row["project__name"],
            "total": q2(row["total"]),
        }
        for name, _low, _high in AGEING_BUCKETS:
            item[name] = q2(row[name])
        out.append(item)
    return out


def receipt_lines(payment) -> dict:
    """What a receipt says the money paid for, in positive amounts that add up to the payment.

    The ledger stores a payment as negative entries (it lowers what is owed), and credit later moved
    onto a bill as a pair of entries; a receipt shows neither sign nor pair: per bill, the amount
    this payment settled; the rest still held as credit (预存); and refunds of it, apart.
    """
    entries = LedgerEntry.objects.filter(payment=payment).select_related("bill").order_by("time", "id")
    bills: dict[int, dict] = {}
    credit, refunds = ZERO, []
    for entry in entries:
        if entry.kind == EntryKind.REFUND:
            refunds.append({"when": entry.time, "amount": q2(entry.amount), "reason": entry.reason})
        elif entry.bill_id is None:
            credit -= entry.amount
        else:
            line = bills.setdefault(entry.bill_id, {"bill": entry.bill, "amount": ZERO})
            line["amount"] -= entry.amount
    lines = [{"bill": b["bill"], "amount": q2(b["amount"])} for b in bills.values() if q2(b["amount"]) > 0]
    return {
        "lines": lines,
        "credit": q2(credit) if q2(credit) > 0 else ZERO,
        "refunds": refunds,
        "refunded": q2(sum((r["amount"] for r in refunds), ZERO)),
    }
