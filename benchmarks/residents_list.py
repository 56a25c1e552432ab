"""Time the residents' list page at one big project's size, seeded in bulk (seconds, not the
minutes a real import takes): issue 23 item 9.

    GUANJIA_TESTING=1 .venv/bin/python -m benchmarks.residents_list [residents] [--plans]

A company with one big project (``residents`` residents, one unit each, 500 units a building)
and one small project (40 residents); the big project's list, name, room and phone searches, the
small project's, and the company-wide name search, each the best of three after a warm-up.
``--plans`` prints SQLite's query plan of each list query.
"""

from __future__ import annotations

import datetime
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def seed(company, project, residents: int, *, prefix: str = "住户", phone_base: int = 13900000000):
    """``residents`` residents of ``project``, each living in a unit of their own."""
    from guanjia.estates.models import Building, Occupancy, Resident, Unit

    per_building = 500
    buildings = Building.objects.bulk_create(
        Building(company=company, project=project, name=f"{b + 1}栋", floors_above=125)
        for b in range((residents + per_building - 1) // per_building)
    )
    units, people = [], []
    for i in range(residents):
        b, index = divmod(i, per_building)
        floor, slot = divmod(index, 4)
        units.append(
            Unit(
                company=company,
                project=project,
                building=buildings[b],
                floor=floor + 1,
                number=f"{floor + 1}{slot + 1:02d}",
                area=80,
                status="occupied",
            )
        )
        people.append(
            Resident(company=company, project=project, name=f"{prefix}{i}", phone=str(phone_base + i))
        )
    units = Unit.objects.bulk_create(units, batch_size=2000)
    people = Resident.objects.bulk_create(people, batch_size=2000)
    start = datetime.date(2020, 1, 1)
    Occupancy.objects.bulk_create(
        (
            Occupancy(company=company, project=project, resident=person, unit=unit, start_on=start)
            for person, unit in zip(people, units, strict=True)
        ),
        batch_size=2000,
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    plans = "--plans" in argv
    numbers = [a for a in argv if not a.startswith("--")]
    residents = int(numbers[0]) if numbers else 20_000
    tmp = Path(tempfile.mkdtemp(prefix="guanjia-bench-"))
    try:
        _run(residents, tmp, plans)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(residents: int, tmp: Path, plans: bool) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ.setdefault("GUANJIA_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "guanjia.settings_test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from guanjia.accounts.models import User
    from guanjia.core.models import Company
    from guanjia.core.roles import Role
    from guanjia.estates.models import Project
    from guanjia.staff.models import StaffMember, StaffRole

    company = Company.objects.create(name="基准物业", short_code="JZ")
    big = Project.objects.create(company=company, name="基准小区", code="JZ")
    small = Project.objects.create(company=company, name="小区二", code="XQ")
    user = User.objects.create(username="bench", company=company, display_name="基准")
    member = StaffMember.objects.create(company=company, user=user, name="基准", department="management")
    StaffRole.objects.create(company=company, staff=member, role=Role.COMPANY_ADMIN)
    started = time.perf_counter()
    seed(company, big, residents)
    seed(company, small, 40, prefix="小住户", phone_base=13600000000)
    print(f"seeded {residents:,} residents in {time.perf_counter() - started:.1f}s")
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; without it every estimate is one row.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from benchmarks.dataio_import import measure_lists

    measure_lists(user, big, small, residents, small_name="小住户20", small_room="1栋-601", plans=plans)


if __name__ == "__main__":
    main()
