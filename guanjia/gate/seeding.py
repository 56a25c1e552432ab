"""Demo data of the gate: each project's gates and tariff, residents' vehicles (the register), parking
spaces (some owned, some rented through the fee ledger, the rest temporary), today's visitor passes —
one waiting, one inside, one used —, a walk-in, temporary vehicles in and out with their fees, a
blacklisted plate, and access cards with one revoked card waiting on the guard's list."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.estates.models import Occupancy, Project
from guanjia.gate import services
from guanjia.gate.models import Gate, ParkingSpace
from guanjia.staff.models import StaffMember

PROVINCE_LETTERS = ("浙A", "浙A", "浙A", "浙B", "沪A", "苏E")
GATES = {
    "JY": [("南门", "both"), ("北门", "pedestrian"), ("地库车行口", "vehicle")],
    "JD": [("大堂", "pedestrian"), ("地库入口", "vehicle")],
}


def _first(company, role, project=None):
    staff = StaffMember.objects.filter(company=company, deleted_at__isnull=True).with_role(role)
    if project is not None:
        staff = staff.filter(projects=project)
    return staff.select_related("user").order_by("id").first()


def _plate(rng: random.Random, new_energy: bool) -> str:
    prefix = rng.choice(PROVINCE_LETTERS)
    if new_energy:
        return f"{prefix}{rng.choice('DF')}{rng.randint(10000, 99999)}"
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"{prefix}{rng.choice(letters)}{rng.randint(1000, 9999)}"


def seed_demo_gate(company, *, rng: random.Random) -> dict[str, int]:
    """Once per company: does nothing when the company has gates."""
    empty = {"gates": 0, "vehicles": 0, "visitor_passes": 0, "access_cards": 0}
    if Gate.objects.filter(company=company).exists():
        return empty
    admin = _first(company, Role.COMPANY_ADMIN)
    if admin is None:
        return empty
    counts = dict(empty)
    now = timezone.now()
    for project in Project.objects.filter(company=company).order_by("id"):
        manager = (_first(company, Role.PROJECT_MANAGER, project) or admin).user
        guard = (_first(company, Role.SECURITY, project) or admin).user
        gates = [
            services.gate_create(
                actor=admin.user, data={"project_id": project.pk, "name": name, "kind": kind}
            )
            for name, kind in GATES.get(project.code, [("大门", "both")])
        ]
        counts["gates"] += len(gates)
        gate = gates[0]
        services.tariff_set(
            actor=admin.user,
            data={
                "project_id": project.pk,
                "free_minutes": 30,
                "per_hour": Decimal("5"),
                "daily_cap": Decimal("40"),
            },
        )
        ties = list(
            Occupancy.objects.filter(project=project, relation="owner")
            .current()
            .select_related("unit", "resident")
            .order_by("unit_id")[:40]
        )
        plates: set[str] = set()
        for i, tie in enumerate(ties[:30]):
            plate = _plate(rng, new_energy=i % 3 == 0)
            if plate in plates:
                continue
            plates.add(plate)
            services.vehicle_create(
                actor=admin.user,
                data={
                    "unit_id": tie.unit_id,
                    "plate": plate,
                    "owner_id": tie.resident_id,
                    "color": rng.choice(["白", "黑", "银", "蓝"]),
                },
            )
            counts["vehicles"] += 1
        for n in range(1, 13):
            owner = ties[n] if n <= 4 and len(ties) > n else None
            data = {
                "project_id": project.pk,
                "number": f"B1-{n:03d}",
                "kind": "owned" if owner else "temporary",
            }
            if owner is not None:
                data["unit_id"] = owner.unit_id
            services.space_create(actor=admin.user, data=data)
        for n, tie in zip(range(5, 8), ties[20:23], strict=False):
            space = ParkingSpace.objects.get(project=project, number=f"B1-{n:03d}")
            services.space_rent(
                actor=admin.user, space=space, data={"unit_id": tie.unit_id, "monthly_rent": Decimal("300")}
            )
        if len(ties) < 3:
            continue
        hosts = [t for t in ties if t.resident.user_id] or ties
        for i, (name, start, plate) in enumerate(
            [("张伟", -30, ""), ("李娜", -120, "浙A8M123"), ("王芳", 60, ""), ("刘洋", -240, "")]
        ):
            host = hosts[i % len(hosts)]
            made = services.pass_create(
                actor=manager,
                data={
                    "unit_id": host.unit_id,
                    "visitor_name": name,
                    "plate": plate,
                    "people": 1 + i % 2,
                    "valid_from": now + datetime.timedelta(minutes=start),
                    "valid_until": now + datetime.timedelta(minutes=start + 300),
                },
            )
            counts["visitor_passes"] += 1
            if i in (1, 3):
                services.pass_check_in(actor=guard, visitor_pass=made, gate_id=gate.pk)
            if i == 3:
                services.pass_check_out(actor=guard, visitor_pass=made, gate_id=gate.pk)
        services.walk_in_register(
            actor=guard,
            data={
                "gate_id": gate.pk,
                "unit_id": ties[2].unit_id,
                "visitor_name": "顺丰快递",
                "confirmed_by": "业主本人",
                "reason": "送大件快递",
            },
        )
        counts["visitor_passes"] += 1
        services.blacklist_add(
            actor=guard,
            data={"project_id": project.pk, "plate": "浙A9X999", "reason": "多次强闯道闸、拒缴停车费"},
        )
        for minutes_ago, plate in ((200, "浙A5C678"), (45, "沪AD12345")):
            entered = now - datetime.timedelta(minutes=minutes_ago)
            visit = services.vehicles.enter(gate=gate, plate=plate, guard=guard, now=entered)
            if minutes_ago == 200:
                services.temporary_exit(
                    actor=guard, visit=visit, data={"gate_id": gate.pk, "pay_method": "wechat"}
                )
        for i, tie in enumerate(ties[:10]):
            card = services.card_issue(
                actor=admin.user,
                data={
                    "holder_kind": "resident",
                    "number": f"{project.code}{10001 + i}",
                    "unit_id": tie.unit_id,
                    "resident_id": tie.resident_id,
                },
            )
            counts["access_cards"] += 1
            if i == 0:
                services.card_revoke(actor=admin.user, card=card)
    return counts
