import datetime

import pytest
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.events import services
from guanjia.testing import factories as f


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.GUANJIA_QUIET_HOURS = []


@pytest.fixture
def ew(world):
    """The scoping world plus: four more households of 1栋 with logins (h3 … h6), a resident of the
    sibling project P2 with a login, and the security guard of P1 who takes attendance at the door."""
    world.households = []
    for number in ("1203", "1204", "1205", "1206"):
        occupancy = f.OccupancyFactory(unit=f.UnitFactory(building=world.building, number=number))
        world.households.append((occupancy.unit, f.make_resident_user(occupancy.resident)))
    sibling = f.OccupancyFactory(
        unit=f.UnitFactory(building=f.BuildingFactory(project=world.sibling_project))
    )
    world.sibling_unit, world.sibling_resident_user = sibling.unit, f.make_resident_user(sibling.resident)
    world.guard = f.make_staff(
        company=world.company, roles=[Role.SECURITY], projects=[world.project], name="门岗"
    ).user
    return world


def plan(world, **data) -> dict:
    now = timezone.now()
    values = {
        "title": "中秋游园会",
        "kind": "community",
        "place": "中心花园",
        "starts_at": now + datetime.timedelta(days=2),
        "ends_at": now + datetime.timedelta(days=2, hours=3),
        "capacity": 4,
        "max_per_household": 2,
        "signup_opens_at": now - datetime.timedelta(hours=1),
        "signup_closes_at": now + datetime.timedelta(days=1),
        "budget": "800.00",
        "project_id": world.project.pk,
    }
    values.update(data)
    return values


def draft(world, actor=None, **data):
    return services.event_create(actor=actor or world.manager, data=plan(world, **data))


def published(world, actor=None, **data):
    event = draft(world, actor, **data)
    return services.event_publish(actor=actor or world.manager, event=event)


def shift(monkeypatch, delta: datetime.timedelta) -> None:
    """Move the events' clock by ``delta`` (the event's day comes, or passes)."""
    from guanjia.events.services import common

    real = timezone.now
    monkeypatch.setattr(common, "_now", lambda: real() + delta)
