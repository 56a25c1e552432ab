"""Bills: ``bills_generate`` issues one bill per unit and month, exactly once (project row lock +
unique constraint), with its lines and charge entries; one-off bills (a deposit …); the monthly job.
Credit a unit holds is applied to a new bill at once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing.choices import BillKind, ChargeKind, EntryKind, ItemScope
from guanjia.billing.models import (
    Bill,
    BillLine,
    ChargeItem,
    LedgerEntry,
    MeterReading,
    ProjectCharge,
    UnitCharge,
)
from guanjia.billing.selectors import ZERO, q2
from guanjia.billing.services import common
from guanjia.billing.services.common import _entry, _money, check_period, current_period, period_end
from guanjia.billing.services.payments import _apply_credit
from guanjia.core.errors import Conflict
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Project, Unit


def _lines_for_unit(unit, charges, subscribed, usages) -> list[tuple]:
    """(item, description, quantity, price, amount) for each charge of the month for this unit."""
    lines = []
    for charge in charges:
        item = charge.item
        price = charge.price
        if item.kind == ChargeKind.AREA:
            quantity = unit.area
        elif item.kind == ChargeKind.FIXED:
            if charge.scope == ItemScope.SUBSCRIBED:
                if (unit.pk, item.pk) not in subscribed:
                    continue
                price = subscribed[(unit.pk, item.pk)] or price
            quantity = Decimal("1")
        elif item.kind == ChargeKind.METERED:
            quantity = usages.get((unit.pk, item.pk))
            if not quantity:
                continue
        else:
            continue
        amount = q2(quantity * price)
        if amount <= 0:
            continue
        lines.append((item, item.name, quantity, price, amount))
    return lines


@service
def bills_generate(*, actor, project: Project, period: str, due_on: datetime.date | None = None) -> dict:
    """Issue the month's bill of every unit of the project that has none yet: exactly once.

    Two runs at once are serialised by the project's row lock; the unique constraint (unit, period)
    is the last guard. Units with nothing to bill get no bill. Credit a unit holds (money received
    beyond its bills) is applied to the new bill at once.
    """
    require(actor, Perm.CHANGE_BILLING)
    return _generate(actor=actor, project=project, period=period, due_on=due_on)


@service
def bills_generate_scheduled(*, project: Project, period: str) -> dict:
    """The monthly job's run of ``bills_generate``: no person acts (the journal records the job)."""
    return _generate(actor=None, project=project, period=period, due_on=None)


def _generate(*, actor, project: Project, period: str, due_on: datetime.date | None) -> dict:
    check_period(period)
    due_on = due_on or period_end(period)
    project = Project._base_manager.select_for_update().get(pk=project.pk)
    now = common._now()
    units = list(
        Unit.objects.select_for_update()
        .filter(project=project, deleted_at__isnull=True)
        .order_by("building_id", "floor", "number", "id")
    )
    billed = set(
        Bill.objects.filter(project=project, period=period, kind=BillKind.PERIODIC).values_list(
            "unit_id", flat=True
        )
    )
    charges = list(
        ProjectCharge.objects.filter(project=project, active=True, item__active=True)
        .exclude(item__kind=ChargeKind.ONE_OFF)
        .select_related("item")
        .order_by("item__kind", "item__name")
    )
    subscribed = {(r.unit_id, r.item_id): r.unit_price for r in UnitCharge.objects.filter(project=project)}
    usages = {
        (r["unit_id"], r["item_id"]): r["usage"]
        for r in MeterReading.objects.filter(project=project, period=period).values(
            "unit_id", "item_id", "usage"
        )
    }
    plans = []
    for unit in units:
        if unit.pk in billed:
            continue
        lines = _lines_for_unit(unit, charges, subscribed, usages)
        if lines:
            plans.append((unit, lines))
    bills = [
        Bill(
            company_id=project.company_id,
            project=project,
            unit=unit,
            kind=BillKind.PERIODIC,
            period=period,
            total=sum((line[4] for line in lines), ZERO),
            due_on=due_on,
            issued_at=now,
        )
        for unit, lines in plans
    ]
    try:
        with transaction.atomic():
            Bill.objects.bulk_create(bills)
    except IntegrityError as exc:  # pragma: no cover - the project lock makes this unreachable
        raise Conflict(_("账单正在由他人生成，请稍后刷新")) from exc
    bill_lines, entries = [], []
    for bill, (unit, lines) in zip(bills, plans, strict=True):
        for item, description, quantity, price, amount in lines:
            bill_lines.append(
                BillLine(
                    company_id=bill.company_id,
                    project=project,
                    bill=bill,
                    item=item,
                    description=description,
                    quantity=quantity,
                    unit_price=price,
                    amount=amount,
                )
            )
            entries.append(
                LedgerEntry(
                    company_id=bill.company_id,
                    project=project,
                    unit=unit,
                    bill=bill,
                    kind=EntryKind.CHARGE,
                    amount=amount,
                    period=period,
                    time=now,
                    actor=actor,
                    reason=description,
                )
            )
    BillLine.objects.bulk_create(bill_lines)
    LedgerEntry.objects.bulk_create(entries)
    journal_bulk_create([*bills, *bill_lines, *entries])
    applied = _apply_credit(actor=actor, unit_ids=[b.unit_id for b in bills], now=now)
    return {"created": len(bills), "existing": len(billed), "credit_applied": applied}


@service
def bill_one_off(*, actor, data: dict) -> Bill:
    """A one-off bill (a renovation deposit …) for a unit. With ``key`` it is issued exactly once."""
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    item = visible_reference(ChargeItem, data.get("item_id"), actor, field="item_id")
    key = (data.get("key") or "").strip()
    if key:
        first = Bill.objects.filter(company_id=unit.company_id, key=key).first()
        if first is not None:
            if first.unit_id != unit.pk:
                raise Conflict(_("幂等键已用于另一张账单"))
            return first
    if item.kind != ChargeKind.ONE_OFF:
        raise ValidationError({"item_id": _("只有一次性收费项目可单独出账")})
    rate = ProjectCharge.objects.filter(project_id=unit.project_id, item=item).first()
    default = rate.price if rate else item.unit_price
    amount = _money(data["amount"], "amount") if data.get("amount") is not None else q2(default)
    if amount <= 0:
        raise ValidationError({"amount": _("金额必须大于零")})
    now = common._now()
    lock(unit)
    bill = Bill(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        kind=BillKind.ONE_OFF,
        period=current_period(now),
        total=amount,
        due_on=data.get("due_on") or timezone.localdate(now),
        issued_at=now,
        key=key,
    )
    save_validated(bill)
    description = (data.get("note") or "").strip() or item.name
    save_validated(
        BillLine(
            company_id=bill.company_id,
            project_id=bill.project_id,
            bill=bill,
            item=item,
            description=description[:120],
            quantity=Decimal("1"),
            unit_price=amount,
            amount=amount,
        )
    )
    _entry(bill=bill, kind=EntryKind.CHARGE, amount=amount, actor=actor, now=now, reason=description)
    _apply_credit(actor=actor, unit_ids=[unit.pk], now=now)
    return bill


def generate_due_bills(*, now: datetime.datetime | None = None) -> int:
    """The monthly job: this month's bills for every project that bills something (idempotent)."""
    period = current_period(now)
    made = 0
    project_ids = ProjectCharge.objects.filter(active=True).values_list("project_id", flat=True).distinct()
    for project in Project.objects.filter(pk__in=project_ids).order_by("id"):
        made += bills_generate_scheduled(project=project, period=period)["created"]
    return made
