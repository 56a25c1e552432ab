"""Demo data of fees, called by `manage.py seed_demo` after the estates and staff exist.

The company gets the usual charge items (management fee per m², parking, water, power, renovation
deposit); every project bills them (an office tower at its own, higher rate). Three months are
billed through the real services, water read monthly for a sample of units, and most units pay
(some at the desk, some by transfer, some prepay, some never): so the arrears, their ageing and the
collection rate have something to show. The past is laid out by moving the services' clock, never
past the present: nothing is billed, read or paid at a moment still to come (a payment the dice place
later this month has simply not been made yet). Nothing is notified. Idempotent: a company that
already has charge items is left alone.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from guanjia.billing import services
from guanjia.billing.choices import ChargeKind, ItemScope, Meter, PaymentMethod
from guanjia.billing.models import Bill, ChargeItem
from guanjia.billing.selectors import open_bills
from guanjia.core.roles import Role
from guanjia.estates.choices import ProjectKind
from guanjia.estates.models import Project, Unit
from guanjia.staff.models import StaffMember

MONTHS = 3
# How many units of a project pay or get their meter read (the rest of a big estate is billed only).
PAYING_UNITS = 120
# Of the paying sample, who has paid each month: the oldest mostly, the current one the early payers.
PAID_SHARE = (0.9, 0.8, 0.35)
ITEMS = [
    ("物业管理费", ChargeKind.AREA, "", Decimal("2.50")),
    ("车位管理费", ChargeKind.FIXED, "", Decimal("150.00")),
    ("水费", ChargeKind.METERED, Meter.WATER, Decimal("4.20")),
    ("装修押金", ChargeKind.ONE_OFF, "", Decimal("3000.00")),
]


def _months_back(today: datetime.date, n: int) -> list[str]:
    periods, year, month = [], today.year, today.month
    for _ in range(n):
        periods.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(periods))


def _at(period: str, day: int, hour: int = 10) -> datetime.datetime:
    date = datetime.date(int(period[:4]), int(period[5:]), day)
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour)))


def _not_after(moment: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    return min(moment, now)


def seed_demo_billing(company, *, rng: random.Random) -> dict[str, int]:
    counts = {"bills": 0, "payments": 0}
    if ChargeItem.objects.filter(company=company).exists():
        return counts
    member = (
        StaffMember.objects.filter(company=company, roles__role=Role.COMPANY_ADMIN, user__isnull=False)
        .select_related("user")
        .first()
    )
    if member is None:
        return counts
    admin = member.user
    items = {
        name: services.charge_item_create(
            actor=admin, data={"name": name, "kind": kind, "meter": meter, "unit_price": price}
        )
        for name, kind, meter, price in ITEMS
    }
    now = timezone.now()
    periods = _months_back(timezone.localdate(now), MONTHS)
    clock = {"now": now}
    with mock.patch.object(services.common, "_now", lambda: clock["now"]):
        for project in Project.objects.filter(company=company).order_by("id"):
            office = project.kind != ProjectKind.RESIDENTIAL
            for name, item in items.items():
                price = Decimal("8.00") if office and name == "物业管理费" else None
                scope = ItemScope.SUBSCRIBED if item.kind == ChargeKind.FIXED else ItemScope.ALL_UNITS
                services.project_charge_create(
                    actor=admin,
                    data={"project_id": project.pk, "item_id": item.pk, "unit_price": price, "scope": scope},
                )
            units = list(Unit.objects.filter(project=project, deleted_at__isnull=True).order_by("id"))
            sample = units[:PAYING_UNITS]
            for unit in sample[::4]:
                services.unit_charge_create(
                    actor=admin,
                    data={
                        "unit_id": unit.pk,
                        "item_id": items["车位管理费"].pk,
                        "note": f"B1-{unit.pk % 300:03d}",
                    },
                )
            meter = {unit.pk: Decimal(rng.randint(100, 900)) for unit in sample}
            for period in [services.previous_period(periods[0]), *periods]:
                clock["now"] = _not_after(_at(period, 25, 9), now)
                for unit in sample:
                    meter[unit.pk] += Decimal(rng.randint(3, 25))
                    services.reading_record(
                        actor=admin,
                        data={
                            "unit_id": unit.pk,
                            "item_id": items["水费"].pk,
                            "period": period,
                            "reading": meter[unit.pk],
                            "read_on": timezone.localdate(clock["now"]),
                        },
                    )
            for index, period in enumerate(periods):
                clock["now"] = _not_after(_at(period, 1, 8), now)
                counts["bills"] += services.bills_generate(
                    actor=admin, project=project, period=period, due_on=_at(period, 20).date()
                )["created"]
                # Older months are mostly paid; the current one only by the early payers.
                share = PAID_SHARE[index]
                for n, unit in enumerate(sample):
                    if rng.random() > share:
                        continue
                    owed = sum(
                        (b.outstanding for b in open_bills(unit.pk).filter(period=period)), Decimal("0")
                    )
                    if owed <= 0:
                        continue
                    moment = _at(period, rng.randint(2, 27), rng.randint(9, 17))
                    method = rng.choice([PaymentMethod.CASH, PaymentMethod.TRANSFER, PaymentMethod.ONLINE])
                    if moment > now:
                        continue  # not paid yet: the demo writes no money dated after the present
                    clock["now"] = moment
                    amount = owed + (Decimal("200.00") if n % 17 == 0 else Decimal("0"))  # a few prepay
                    services.payment_post(
                        actor=admin,
                        data={
                            "unit_id": unit.pk,
                            "amount": amount,
                            "method": method,
                            "reference": ""
                            if method == PaymentMethod.CASH
                            else f"DEMO{project.pk}{period}{unit.pk}",
                            "idempotency_key": f"demo-{project.pk}-{period}-{unit.pk}",
                            "received_at": clock["now"],
                        },
                    )
                    counts["payments"] += 1
            if sample:
                clock["now"] = now
                services.bill_one_off(
                    actor=admin,
                    data={
                        "unit_id": sample[-1].pk,
                        "item_id": items["装修押金"].pk,
                        "key": f"demo-deposit-{project.pk}",
                    },
                )
    counts["bills"] = Bill.objects.filter(company=company).count()
    return counts
