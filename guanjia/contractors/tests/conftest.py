import datetime

import pytest
from django.utils import timezone

from guanjia.contractors import services
from guanjia.contractors.services import common
from guanjia.core.roles import Role
from guanjia.facilities.models import Equipment, EquipmentType
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.GUANJIA_QUIET_HOURS = []


@pytest.fixture
def clock(monkeypatch):
    """Set the contractors' clock (``services.common._now``): ``clock(moment)``."""

    def set_now(moment):
        monkeypatch.setattr(common, "_now", lambda: moment)
        return moment

    return set_now


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def cw(world):
    """The scoping world plus a lift firm, a lift in P1, an engineering head who owns contracts, and a
    lift contract covering P1 and its lift (drafted, not yet in force)."""
    lifts = EquipmentType.objects.create(company=world.company, name="电梯")
    world.lift = Equipment.objects.create(
        company=world.company,
        project=world.project,
        type=lifts,
        code="DT-01",
        name="1号客梯",
        contractor="旧维保单位",
        qr_token="lift-token-01",
    )
    world.head = f.make_staff(
        company=world.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="工程主管",
    ).user
    world.head_member = StaffMember.objects.get(user=world.head)
    world.firm = services.contractor_create(
        actor=world.admin, data={"name": "日立电梯维保站", "category": "lift", "phone": "0571-86001234"}
    )
    world.contract = services.contract_create(actor=world.admin, data=contract_data(world))
    return world


def contract_data(world, **extra) -> dict:
    return {
        "contractor_id": world.firm.pk,
        "number": "WB-001",
        "title": "电梯维保合同",
        "project_ids": [world.project.pk],
        "equipment_ids": [world.lift.pk],
        "starts_on": days(-300),
        "ends_on": days(65),
        "amount": "120000.00",
        "owner_id": world.head_member.pk,
        "service_levels": [
            {"kind": "on_site", "target": 30, "unit": "minutes", "description": "困人救援"},
            {"kind": "maintenance_by_day", "target": 25, "unit": "day_of_month"},
        ],
        **extra,
    }
