"""Every write of fees. Keyword-only, one transaction each (``@service``), permission first.

- Charge items, project rates, unit registrations: master data, journaled.
- ``bills_generate``: one bill per unit and month, exactly once (project row lock + unique constraint).
- ``payment_post``: exactly once per idempotency key (and per transfer/online reference); the unit's
  row lock serialises two cashiers; allocated to the oldest open bills first; the rest is credit.
- Refunds and adjustments are asked for (``correction_request``) and decided by someone else
  (``correction_decide``); only an approved one writes ledger entries.
- The ledger is append-only: nothing here updates or deletes a ``LedgerEntry``.
"""

from __future__ import annotations

import calendar
import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.billing import selectors
from guanjia.billing.choices import (
    BillKind,
    ChargeKind,
    CorrectionKind,
    CorrectionStatus,
    EntryKind,
    ItemScope,
    PaymentMethod,
    VisitStatus,
)
from guanjia.billing.models import (
    Bill,
    BillLine,
    ChargeItem,
    CollectionVisit,
    Correction,
    LedgerEntry,
    MeterReading,
    Payment,
    ProjectCharge,
    ReceiptCounter,
    UnitCharge,
)
from guanjia.billing.selectors import HALF_CENT, ZERO, q2
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm, require
from guanjia.core.scoping import scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Project, Unit

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _now() -> datetime.datetime:
    """The present; one seam for tests."""
    return timezone.now()


def current_period(now: datetime.datetime | None = None) -> str:
    return timezone.localtime(now or _now()).strftime("%Y-%m")


def check_period(period: str, field: str = "period") -> str:
    if not isinstance(period, str) or not PERIOD_RE.match(period):
        raise ValidationError({field: _("账期格式应为 YYYY-MM，如 2026-11")})
    return period


def period_end(period: str) -> datetime.date:
    year, month = int(period[:4]), int(period[5:])
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _money(value, field: str, *, positive: bool = True, allow_negative: bool = False) -> Decimal:
    """An amount of money as given: a number with at most two decimals (never rounded silently)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("请输入金额")}) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("金额最多两位小数")})
    if abs(amount) >= Decimal("1000000000000"):
        raise ValidationError({field: _("金额过大")})
    if allow_negative:
        if amount == 0:
            raise ValidationError({field: _("金额不能为零")})
    elif positive and amount <= 0:
        raise ValidationError({field: _("金额必须大于零")})
    return q2(amount)


def _company(actor) -> int:
    return scope_for(actor).company_id


# Charge items, project rates, unit registrations ---------------------------------------------------

ITEM_FIELDS = {"name", "kind", "meter", "unit_price", "active", "note"}


@service
def charge_item_create(*, actor, data: dict) -> ChargeItem:
    require(actor, Perm.CHANGE_BILLING)
    item = ChargeItem(company_id=_company(actor))
    apply_changes(item, data, allowed=ITEM_FIELDS)
    _check_item(item)
    return save_validated(item)


@service
def charge_item_update(*, actor, charge_item: ChargeItem, data: dict) -> ChargeItem:
    require(actor, Perm.CHANGE_BILLING)
    item = lock(charge_item)
    if "kind" in data and data["kind"] != item.kind and BillLine.objects.filter(item=item).exists():
        raise ValidationError({"kind": _("已出账的收费项目不能改变计费方式，请新建收费项目")})
    apply_changes(item, data, allowed=ITEM_FIELDS)
    _check_item(item)
    return save_validated(item)


def _check_item(item: ChargeItem) -> None:
    if item.kind == ChargeKind.METERED and not item.meter:
        raise ValidationError({"meter": _("按抄表计费的项目须指定表计")})
    if item.kind != ChargeKind.METERED:
        item.meter = ""


@service
def charge_item_delete(*, actor, charge_item: ChargeItem) -> None:
    """Delete an item never used; one in use is deactivated instead (bills keep their lines)."""
    require(actor, Perm.CHANGE_BILLING)
    item = lock(charge_item)
    used = (
        BillLine.objects.filter(item=item).exists()
        or ProjectCharge.objects.filter(item=item).exists()
        or MeterReading.objects.filter(item=item).exists()
        or UnitCharge.objects.filter(item=item).exists()
    )
    if used:
        raise Conflict(_("该收费项目已被使用，不能删除；请停用"))
    item.delete()


RATE_FIELDS = {"unit_price", "scope", "active"}


@service
def project_charge_create(*, actor, data: dict) -> ProjectCharge:
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    item = visible_reference(ChargeItem, data.pop("item_id", None), actor, field="item_id")
    charge = ProjectCharge(company_id=project.company_id, project=project, item=item)
    apply_changes(charge, data, allowed=RATE_FIELDS)
    if ProjectCharge.objects.filter(project=project, item=item).exists():
        raise ValidationError({"item_id": _("该项目已设置此收费项目")})
    return save_validated(charge)


@service
def project_charge_update(*, actor, project_charge: ProjectCharge, data: dict) -> ProjectCharge:
    require(actor, Perm.CHANGE_BILLING)
    charge = lock(project_charge)
    apply_changes(charge, data, allowed=RATE_FIELDS)
    return save_validated(charge)


@service
def project_charge_delete(*, actor, project_charge: ProjectCharge) -> None:
    """A project stops billing the item; bills already issued keep their lines."""
    require(actor, Perm.CHANGE_BILLING)
    lock(project_charge).delete()


@service
def unit_charge_create(*, actor, data: dict) -> UnitCharge:
    """Register a unit for an item billed only to registered units (a parking space …)."""
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    unit = visible_reference(Unit, data.pop("unit_id", None), actor, field="unit_id")
    item = visible_reference(ChargeItem, data.pop("item_id", None), actor, field="item_id")
    if item.kind != ChargeKind.FIXED:
        raise ValidationError({"item_id": _("只有固定金额的收费项目按房屋登记")})
    if UnitCharge.objects.filter(unit=unit, item=item).exists():
        raise ValidationError({"item_id": _("该房屋已登记此收费项目")})
    registration = UnitCharge(company_id=unit.company_id, project_id=unit.project_id, unit=unit, item=item)
    apply_changes(registration, data, allowed={"unit_price", "note"})
    return save_validated(registration)


@service
def unit_charge_delete(*, actor, unit_charge: UnitCharge) -> None:
    require(actor, Perm.CHANGE_BILLING)
    lock(unit_charge).delete()


# Meter readings ------------------------------------------------------------------------------------


@service
def reading_record(*, actor, data: dict) -> MeterReading:
    """Record a meter reading for a period. It may never be below the reading before it, nor above a
    later one (a meter does not run backwards); the usage billed is the difference."""
    require(actor, Perm.CHANGE_BILLING)
    data = dict(data)
    unit = visible_reference(Unit, data.pop("unit_id", None), actor, field="unit_id")
    item = visible_reference(ChargeItem, data.pop("item_id", None), actor, field="item_id")
    if item.kind != ChargeKind.METERED:
        raise ValidationError({"item_id": _("该收费项目不是按抄表计费")})
    period = check_period(data.get("period"))
    reading_value = data.get("reading")
    if reading_value is None:
        raise ValidationError({"reading": _("此项为必填项")})
    reading = MeterReading(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        item=item,
        period=period,
        reading=Decimal(str(reading_value)),
        read_on=data.get("read_on") or timezone.localdate(),
        read_by=actor,
    )
    lock(unit)  # two readers of the same meter at once: the second sees the first
    same = MeterReading.objects.filter(unit=unit, item=item)
    if same.filter(period=period).exists():
        raise ValidationError({"period": _("该房屋此账期已抄表；如有误请删除后重抄")})
    before = same.filter(period__lt=period).order_by("-period").first()
    after = same.filter(period__gt=period).order_by("period").first()
    reading.previous = before.reading if before else reading.reading
    if before and reading.reading < before.reading:
        raise ValidationError(
            {
                "reading": _("读数 %(r)s 小于上次读数 %(p)s（%(period)s），表不会倒转")
                % {"r": reading.reading, "p": before.reading, "period": before.period}
            }
        )
    if after and reading.reading > after.reading:
        raise ValidationError(
            {
                "reading": _("读数 %(r)s 大于之后的读数 %(n)s（%(period)s）")
                % {"r": reading.reading, "n": after.reading, "period": after.period}
            }
        )
    reading.usage = reading.reading - reading.previous
    return save_validated(reading)


@service
def reading_delete(*, actor, meter_reading: MeterReading) -> None:
    """Only a reading not yet billed and with no later reading may be taken back."""
    require(actor, Perm.CHANGE_BILLING)
    reading = lock(meter_reading)
    if Bill.objects.filter(unit_id=reading.unit_id, period=reading.period, kind=BillKind.PERIODIC).exists():
        raise Conflict(_("该账期已出账，抄表记录不能删除；请以调账更正"))
    if MeterReading.objects.filter(
        unit_id=reading.unit_id, item_id=reading.item_id, period__gt=reading.period
    ).exists():
        raise Conflict(_("之后已有抄表记录，不能删除此条"))
    reading.delete()


# Bills ---------------------------------------------------------------------------------------------


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
    now = _now()
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
    now = _now()
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


def _entry(*, kind, amount, actor, now, unit=None, bill=None, payment=None, correction=None, reason=""):
    unit_id = bill.unit_id if bill is not None else (payment.unit_id if payment is not None else unit.pk)
    source = bill or payment or unit
    entry = LedgerEntry(
        company_id=source.company_id,
        project_id=source.project_id,
        unit_id=unit_id,
        bill=bill,
        payment=payment,
        correction=correction,
        kind=kind,
        amount=q2(amount),
        period=bill.period if bill is not None else "",
        time=now,
        actor=actor,
        reason=reason[:200],
    )
    entry.save()
    return entry


# Payments ------------------------------------------------------------------------------------------


def _next_receipt(project: Project, year: int) -> str:
    """SK-number of the project's year: the counter's row is incremented under its row lock."""
    counter = ReceiptCounter.objects.filter(project=project, year=year)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReceiptCounter.objects.create(project=project, year=year, last=1)
        except IntegrityError:  # created at the same moment by another cashier: increment theirs
            counter.update(last=F("last") + 1)
    value = counter.values_list("last", flat=True).get()
    return f"{project.code}-SK{year}-{value:06d}"


def _allocate(*, actor, payment: Payment, amount: Decimal, now, from_credit: bool = False) -> Decimal:
    """Put ``amount`` of a payment on the unit's oldest open bills; return what is left over.
    ``from_credit``: the money sits as the payment's credit; each allocation also takes it out."""
    left = amount
    for bill in selectors.open_bills(payment.unit_id):
        if left <= 0:
            break
        share = min(left, q2(bill.outstanding))
        if share <= 0:
            continue
        if from_credit:
            _entry(
                payment=payment,
                kind=EntryKind.PAYMENT,
                amount=share,
                actor=actor,
                now=now,
                reason=_("预存款转入账单 %(p)s") % {"p": bill.period},
            )
        _entry(
            bill=bill,
            payment=payment,
            kind=EntryKind.PAYMENT,
            amount=-share,
            actor=actor,
            now=now,
            reason=_("收据 %(no)s") % {"no": payment.receipt_no},
        )
        left -= share
    return left


def _apply_credit(*, actor, unit_ids: list[int], now) -> int:
    """Use what units hold as credit (oldest payment first) for their open bills. Returns how many
    payments' credit was used. Called with the units' rows locked."""
    if not unit_ids:
        return 0
    credits = (
        LedgerEntry.objects.filter(unit_id__in=unit_ids, bill__isnull=True, payment__isnull=False)
        .values("payment_id")
        .annotate(credit=Sum("amount"))
        .filter(credit__lte=-HALF_CENT)
        .order_by("payment_id")
    )
    used = 0
    payments = Payment.objects.in_bulk([row["payment_id"] for row in credits])
    for row in credits:
        payment = payments[row["payment_id"]]
        credit = q2(-row["credit"])
        if _allocate(actor=actor, payment=payment, amount=credit, now=now, from_credit=True) < credit:
            used += 1
    return used


PAYMENT_FIELDS = {
    "unit_id",
    "amount",
    "method",
    "reference",
    "idempotency_key",
    "payer",
    "note",
    "received_at",
}


@service
def payment_post(*, actor, data: dict) -> tuple[Payment, bool]:
    """Post money received for a unit, exactly once: the same ``idempotency_key`` (or the same
    transfer/online reference) returns the payment first posted, never a second one.

    Returns ``(payment, created)``. The amount goes to the unit's oldest open bills first; what is
    left is the unit's credit (预存), used by the next bill.
    """
    require(actor, Perm.POST_PAYMENT)
    unknown = set(data) - PAYMENT_FIELDS
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    key = (data.get("idempotency_key") or "").strip()
    if not key:
        raise ValidationError({"idempotency_key": _("此项为必填项")})
    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    amount = _money(data.get("amount"), "amount")
    method = data.get("method")
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("请选择付款方式")})
    reference = (data.get("reference") or "").strip()
    if method in (PaymentMethod.TRANSFER, PaymentMethod.ONLINE) and not reference:
        raise ValidationError({"reference": _("转账与线上支付须填写交易流水号")})
    lock(unit)  # two cashiers posting for the same unit at once are serialised here
    first = _posted_before(unit.company_id, key, method, reference)
    if first is not None:
        if first.unit_id != unit.pk or first.amount != amount:
            raise Conflict(_("该幂等键或流水号已用于另一笔收款（收据 %(no)s）") % {"no": first.receipt_no})
        return first, False
    now = _now()
    project = Project.objects.get(pk=unit.project_id)
    payment = Payment(
        company_id=unit.company_id,
        project=project,
        unit=unit,
        method=method,
        amount=amount,
        reference=reference,
        idempotency_key=key,
        received_at=data.get("received_at") or now,
        received_by=actor,
        payer=(data.get("payer") or "")[:60],
        note=(data.get("note") or "")[:200],
    )
    payment.receipt_no = _next_receipt(project, timezone.localtime(now).year)
    try:
        save_validated(payment)
    except Conflict:
        first = _posted_before(unit.company_id, key, method, reference)
        if first is None:
            raise
        return first, False
    left = _allocate(actor=actor, payment=payment, amount=amount, now=now)
    if left > 0:
        _entry(
            payment=payment,
            kind=EntryKind.PAYMENT,
            amount=-left,
            actor=actor,
            now=now,
            reason=_("预存款（收据 %(no)s）") % {"no": payment.receipt_no},
        )
    return payment, True


def _posted_before(company_id, key, method, reference) -> Payment | None:
    match = Q(idempotency_key=key)
    if reference:
        match |= Q(method=method, reference=reference)
    return Payment.objects.filter(match, company_id=company_id).order_by("id").first()


def refundable(payment: Payment) -> Decimal:
    """What of a payment can still be refunded: the amount less refunds approved and pending."""
    refunded = Correction.objects.filter(
        payment=payment,
        kind=CorrectionKind.REFUND,
        status__in=[CorrectionStatus.PENDING, CorrectionStatus.APPROVED],
    ).aggregate(s=Sum("amount", default=ZERO))["s"]
    return q2(payment.amount - q2(refunded))


# Refunds and adjustments ---------------------------------------------------------------------------


@service
def correction_request(*, actor, data: dict) -> Correction:
    """Ask for a refund of a payment (``payment_id``, ``amount`` > 0) or an adjustment of a bill
    (``bill_id``, signed ``amount``: negative waives, positive adds). A reason is required; another
    person decides (``correction_decide``)."""
    require(actor, Perm.ADJUST_BILLING)
    kind = data.get("kind")
    if kind not in CorrectionKind.values:
        raise ValidationError({"kind": _("请选择退款或调账")})
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因")})
    correction = Correction(kind=kind, reason=reason[:200], requested_by=actor, requested_at=_now())
    if kind == CorrectionKind.REFUND:
        payment = visible_reference(Payment, data.get("payment_id"), actor, field="payment_id")
        lock(payment)
        amount = _money(data.get("amount"), "amount")
        if amount > refundable(payment):
            raise ValidationError(
                {"amount": _("退款金额超过可退金额 %(max)s 元") % {"max": refundable(payment)}}
            )
        correction.payment = payment
        owner = payment
    else:
        bill = visible_reference(Bill, data.get("bill_id"), actor, field="bill_id")
        amount = _money(data.get("amount"), "amount", allow_negative=True)
        _check_adjustment(bill, amount)
        correction.bill = bill
        owner = bill
    correction.amount = amount
    correction.company_id = owner.company_id
    correction.project_id = owner.project_id
    correction.unit_id = owner.unit_id
    return save_validated(correction)


def _check_adjustment(bill: Bill, amount: Decimal) -> None:
    if amount < 0:
        owed = q2(selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get().outstanding)
        if -amount > owed:
            raise ValidationError({"amount": _("减免金额超过账单欠款 %(owed)s 元") % {"owed": owed}})


@service
def correction_decide(*, actor, correction: Correction, approve: bool, note: str = "") -> Correction:
    """Approve or reject a refund or adjustment. The one who asked cannot decide; an approval
    writes the ledger entries (re-checked under the unit's lock)."""
    require(actor, Perm.APPROVE_BILLING)
    correction = lock(correction)
    if correction.status != CorrectionStatus.PENDING:
        raise Conflict(_("该申请已处理：%(s)s") % {"s": correction.get_status_display()})
    if correction.requested_by_id == actor.pk:
        raise NotAllowed(_("申请人不能审批自己的申请，须由另一人审批"))
    now = _now()
    correction.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
    correction.decided_by = actor
    correction.decided_at = now
    correction.decision_note = (note or "")[:200]
    if approve:
        lock(Unit(pk=correction.unit_id))
        if correction.kind == CorrectionKind.REFUND:
            _refund(actor=actor, correction=correction, now=now)
        else:
            bill = Bill.objects.get(pk=correction.bill_id)
            _check_adjustment(bill, correction.amount)
            _entry(
                bill=bill,
                kind=EntryKind.ADJUSTMENT,
                amount=correction.amount,
                actor=actor,
                now=now,
                correction=correction,
                reason=correction.reason,
            )
            if correction.amount > 0:
                _apply_credit(actor=actor, unit_ids=[bill.unit_id], now=now)
    correction.save()
    return correction


def _refund(*, actor, correction: Correction, now) -> None:
    """Give money of a payment back: first from its unallocated credit, then from the bills it paid,
    newest first. A deposit's refund also releases the deposit (the bill stays settled)."""
    payment = Payment.objects.get(pk=correction.payment_id)
    left = correction.amount
    credit = q2(
        -(
            LedgerEntry.objects.filter(payment=payment, bill__isnull=True).aggregate(
                s=Sum("amount", default=ZERO)
            )["s"]
        )
    )
    if credit > 0 and left > 0:
        share = min(credit, left)
        _entry(
            payment=payment,
            kind=EntryKind.REFUND,
            amount=share,
            actor=actor,
            now=now,
            correction=correction,
            reason=correction.reason,
        )
        left -= share
    paid_bills = (
        LedgerEntry.objects.filter(payment=payment, bill__isnull=False)
        .values("bill_id")
        .annotate(net=Sum("amount"))
        .filter(net__lte=-HALF_CENT)
        .order_by("-bill_id")
    )
    bills = Bill.objects.in_bulk([row["bill_id"] for row in paid_bills])
    for row in paid_bills:
        if left <= 0:
            break
        bill = bills[row["bill_id"]]
        share = min(q2(-row["net"]), left)
        _entry(
            bill=bill,
            payment=payment,
            kind=EntryKind.REFUND,
            amount=share,
            actor=actor,
            now=now,
            correction=correction,
            reason=correction.reason,
        )
        if bill.kind == BillKind.ONE_OFF and bill.lines.filter(item__kind=ChargeKind.ONE_OFF).exists():
            _entry(
                bill=bill,
                kind=EntryKind.ADJUSTMENT,
                amount=-share,
                actor=actor,
                now=now,
                correction=correction,
                reason=_("押金退还"),
            )
        left -= share
    if left > 0:
        raise ValidationError({"amount": _("退款金额超过该笔收款已缴金额")})


# Door-to-door collection ---------------------------------------------------------------------------


@service
def visit_book(*, actor, data: dict) -> CollectionVisit:
    """Book a door-to-door collection (上门收费) for tomorrow or later, with a named collector."""
    require(actor, Perm.POST_PAYMENT)
    from django.contrib.auth import get_user_model

    unit = visible_reference(Unit, data.get("unit_id"), actor, field="unit_id")
    collector = (
        get_user_model().objects.filter(pk=data.get("collector_id"), company_id=unit.company_id).first()
    )
    if (
        collector is None
        or not (scope_for(collector).is_hq or unit.project_id in scope_for(collector).project_ids)
        or Perm.POST_PAYMENT not in scope_for(collector).permissions
    ):
        raise ValidationError({"collector_id": _("收费员须为本项目有收款权限的员工")})
    visit_at = data.get("visit_at")
    if visit_at is None:
        raise ValidationError({"visit_at": _("此项为必填项")})
    if timezone.localtime(visit_at).date() <= timezone.localdate(_now()):
        raise ValidationError({"visit_at": _("上门收费须提前一天预约")})
    visit = CollectionVisit(
        company_id=unit.company_id,
        project_id=unit.project_id,
        unit=unit,
        collector=collector,
        visit_at=visit_at,
        note=(data.get("note") or "")[:200],
    )
    return save_validated(visit)


@service
def visit_close(
    *, actor, visit: CollectionVisit, status: str, note: str = "", payment_id=None
) -> CollectionVisit:
    """Record how a visit went: done (with the payment taken, if any), missed or cancelled."""
    require(actor, Perm.POST_PAYMENT)
    visit = lock(visit)
    if visit.status != VisitStatus.BOOKED:
        raise Conflict(_("该预约已处理：%(s)s") % {"s": visit.get_status_display()})
    if status not in (VisitStatus.DONE, VisitStatus.MISSED, VisitStatus.CANCELLED):
        raise ValidationError({"status": _("请选择已上门、未遇或取消")})
    if payment_id:
        payment = visible_reference(Payment, payment_id, actor, field="payment_id")
        if payment.unit_id != visit.unit_id:
            raise ValidationError({"payment_id": _("收款不是该房屋的")})
        visit.payment = payment
    visit.status = status
    if note:
        visit.note = note[:200]
    return save_validated(visit)


# Reminders -----------------------------------------------------------------------------------------


def remind_arrears(*, today: datetime.date | None = None) -> int:
    """Remind the residents of every unit with a bill past due, once per bill and month (the
    notification's dedup key); quiet hours are honoured by ``notify``. Returns notifications made."""
    from guanjia.estates.models import Occupancy
    from guanjia.notifications.services import notify

    today = today or timezone.localdate()
    month = today.strftime("%Y-%m")
    overdue = list(
        selectors.with_amounts(Bill.objects.filter(due_on__lt=today))
        .filter(outstanding__gte=HALF_CENT)
        .select_related("unit", "unit__building", "project")
        .order_by("id")
    )
    if not overdue:
        return 0
    users: dict[int, list] = {}
    for occupancy in (
        Occupancy.objects.current()
        .filter(
            unit_id__in={b.unit_id for b in overdue},
            resident__user__isnull=False,
            resident__deleted_at__isnull=True,
        )
        .select_related("resident__user")
    ):
        users.setdefault(occupancy.unit_id, []).append(occupancy.resident.user)
    made = 0
    for bill in overdue:
        if bill.unit_id not in users:
            continue
        made += len(
            notify(
                recipients=users[bill.unit_id],
                subject=_("缴费提醒：%(unit)s %(period)s 账单") % {"unit": bill.unit, "period": bill.period},
                body=_("您的 %(period)s 账单尚有 %(amount)s 元未缴，缴费截止日为 %(due)s。如已缴费请忽略。")
                % {"period": bill.period, "amount": q2(bill.outstanding), "due": bill.due_on},
                url="/portal/bills/",
                related=bill,
                dedup_key=f"billing:reminder:{bill.pk}:{month}",
            )
        )
    return made


def generate_due_bills(*, now: datetime.datetime | None = None) -> int:
    """The monthly job: this month's bills for every project that bills something (idempotent)."""
    period = current_period(now)
    made = 0
    project_ids = ProjectCharge.objects.filter(active=True).values_list("project_id", flat=True).distinct()
    for project in Project.objects.filter(pk__in=project_ids).order_by("id"):
        made += bills_generate_scheduled(project=project, period=period)["created"]
    return made
