import datetime

import pytest
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.facilities import services
from guanjia.facilities.choices import AreaKind
from guanjia.facilities.services import common
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.tickets import services as ticket_services


@pytest.fixture
def fw(world):
    """The scoping world plus what facilities needs: the type tree, a fire item in 1栋, an engineering
    head of P1, a security guard, and the request categories."""
    ticket_services.company_defaults_ensure(company=world.company)
    roots = services.types_ensure(company=world.company)
    services.types_ensure(company=world.other_company)
    world.types = roots
    world.head = f.make_staff(
        company=world.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="工程主管",
    ).user
    world.guard = f.make_staff(
        company=world.company,
        roles=[Role.SECURITY],
        projects=[world.project],
        department=Department.SECURITY,
        name="保安",
    ).user
    world.security_head = f.make_staff(
        company=world.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.SECURITY,
        name="秩序主管",
    ).user
    world.pump = services.equipment_create(
        actor=world.manager,
        data={
            "project_id": world.project.pk,
            "type_id": roots["消防"].pk,
            "name": "1栋消防泵房",
            "building_id": world.building.pk,
            "floor": "-1",
            "room": "泵房",
        },
    )
    return world


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return services.local_midnight(day) + datetime.timedelta(hours=hour)


@pytest.fixture
def frozen(monkeypatch):
    """Set the services' clock (``services.common._now``, the one seam they all read): ``frozen(moment)``."""

    def set_now(moment):
        monkeypatch.setattr(common, "_now", lambda: moment)
        return moment

    set_now(timezone.now())
    return set_now


@pytest.fixture
def ew(fw):
    """The facilities world plus environmental work: an environment supervisor (company staff), a
    cleaner of the contractor 洁美保洁 (an outsourced doer with a login), and two lobbies and a
    garden of P1."""
    fw.env_head = f.make_staff(
        company=fw.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[fw.project],
        department=Department.ENVIRONMENT,
        name="环境主管",
    )
    fw.cleaner = f.make_staff(
        company=fw.company,
        roles=[Role.CLEANING],
        projects=[fw.project],
        department=Department.ENVIRONMENT,
        name="保洁员小李",
        position="洁美保洁（外包）",
    )
    fw.lobby1 = services.area_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "kind": AreaKind.LOBBY,
            "name": "1栋大堂",
            "building_id": fw.building.pk,
        },
    )
    fw.lobby2 = services.area_create(
        actor=fw.manager, data={"project_id": fw.project.pk, "kind": AreaKind.LOBBY, "name": "2栋大堂"}
    )
    fw.garden = services.area_create(
        actor=fw.manager, data={"project_id": fw.project.pk, "kind": AreaKind.GARDEN, "name": "中心花园"}
    )
    return fw
