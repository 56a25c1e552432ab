"""The people and bills of the load test (docs/load.md), in the company the production job made
(``create_company`` JY with its project JY and the default categories), through the same services
and factories the tests use. Small and deterministic: a few seconds.

    python benchmarks/load/seed.py CONFIG.json   (the job's environment: DATABASE_URL …)

- desk staff ``load-desk1``…, technicians ``load-tech1``… (engineering), a project manager
  ``load-manager`` and an HQ centre user ``load-hq``, all with one password;
- building 8栋 of ``RESIDENTS`` flats (89.50 m²), each with its owner, whose login (as the
  activation page would set it) has that password;
- the management fee (2.50 /m²/month) billed for the last ``MONTHS`` months: 223.75 per flat and month
  (every flat of the project: the production check's 1201 too).

Writes what the locustfile needs (names, ids) to CONFIG.json.
"""

from __future__ import annotations

import calendar
import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from guanjia.billing import services as billing  # noqa: E402
from guanjia.billing.choices import ChargeKind  # noqa: E402
from guanjia.billing.models import ChargeItem, ProjectCharge  # noqa: E402
from guanjia.core.models import Company  # noqa: E402
from guanjia.core.roles import Role  # noqa: E402
from guanjia.estates.models import Project  # noqa: E402
from guanjia.residents.services import resident_account_ensure  # noqa: E402
from guanjia.staff.choices import Department  # noqa: E402
from guanjia.testing import factories as f  # noqa: E402
from guanjia.tickets.models import TicketCategory  # noqa: E402

PASSWORD = "Guanjia-load-2026"
DESKS, TECHNICIANS, RESIDENTS, MONTHS = 3, 4, 10, 6


def months_back(today: datetime.date, count: int) -> list[tuple[str, datetime.date]]:
    """The ``count`` months before this one, oldest first, with their last day (the due date)."""
    out, year, month = [], today.year, today.month
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        out.append((f"{year}-{month:02d}", datetime.date(year, month, calendar.monthrange(year, month)[1])))
    return out[::-1]


def main(config_path: str) -> None:
    company = Company.objects.get(short_code="JY")
    project = Project.objects.get(company=company, code="JY")
    admin = get_user_model().objects.get(username="admin")

    def staff(username, roles, department=Department.SERVICE, projects=(project,)):
        member = f.make_staff(
            company=company, roles=roles, projects=projects, department=department, name=username
        )
        user = member.user
        user.username, user.email = username, f"{username}@example.com"
        user.set_password(PASSWORD)
        user.save()
        return member

    desks = [staff(f"load-desk{i}", [Role.DESK]).user.username for i in range(1, DESKS + 1)]
    technicians = [
        staff(f"load-tech{i}", [Role.TECHNICIAN], Department.ENGINEERING) for i in range(1, TECHNICIANS + 1)
    ]
    staff("load-manager", [Role.PROJECT_MANAGER])
    staff("load-hq", [Role.HQ_CENTER], projects=())

    building = f.BuildingFactory(project=project, name="8栋")
    residents = []
    for i in range(1, RESIDENTS + 1):
        unit = f.UnitFactory(building=building, number=f"8{i:02d}", floor=8, area=Decimal("89.50"))
        resident = f.ResidentFactory(project=project, name=f"压测住户{i:02d}", phone=f"137{i:08d}")
        f.OccupancyFactory(unit=unit, resident=resident)
        user = resident_account_ensure(resident)
        user.set_password(PASSWORD)
        user.save()
        residents.append({"username": user.username, "unit_id": unit.pk})

    fee = ChargeItem.objects.filter(company=company, name="物业管理费").first() or billing.charge_item_create(
        actor=admin, data={"name": "物业管理费", "kind": ChargeKind.AREA, "unit_price": Decimal("2.50")}
    )
    if not ProjectCharge.objects.filter(project=project, item=fee).exists():
        billing.project_charge_create(actor=admin, data={"project_id": project.pk, "item_id": fee.pk})
    for period, due_on in months_back(timezone.localdate(), MONTHS):
        billing.bills_generate(actor=admin, project=project, period=period, due_on=due_on)

    leak = TicketCategory.objects.get(company=company, name="漏水")
    config = {
        "password": PASSWORD,
        "project_id": project.pk,
        "category_id": leak.pk,
        "desks": desks,
        "technicians": [{"username": m.user.username, "staff_id": m.pk} for m in technicians],
        "residents": residents,
        "manager": "load-manager",
        "hq": "load-hq",
    }
    Path(config_path).write_text(json.dumps(config, ensure_ascii=False, indent=1))
    print(
        f"   load world: {len(desks)} desk, {len(technicians)} technicians, {len(residents)} residents "
        f"with {MONTHS} months of bills"
    )


if __name__ == "__main__":
    main(sys.argv[1])
