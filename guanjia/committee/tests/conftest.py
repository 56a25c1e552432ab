import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from guanjia.committee.models import Vote
from guanjia.estates.choices import Relation
from guanjia.testing import factories as f


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


@pytest.fixture
def cw(world):
    """The scoping world's project P1 as an electorate of six units (areas below), each owned by
    one person, plus a tenant in 1201 and a family member the owner of 1202 gave the vote:

    1201 100 ㎡ (the resident), 1202 100 ㎡ (other_resident), 1203 100, 1204 100, 1205 50 and
    1206 50 — 1205 and 1206 owned by the same person (one head). 500 ㎡, five heads."""
    world.unit.area = Decimal("100.00")
    world.unit.save()
    world.other_unit.area = Decimal("100.00")
    world.other_unit.save()
    owners = {}
    for number, area in (("1203", "100.00"), ("1204", "100.00")):
        occ = f.OccupancyFactory(
            unit=f.UnitFactory(building=world.building, number=number, area=Decimal(area))
        )
        owners[number] = occ
        setattr(world, f"user_{number}", f.make_resident_user(occ.resident))
    double = f.OccupancyFactory(
        unit=f.UnitFactory(building=world.building, number="1205", area=Decimal("50.00"))
    )
    f.OccupancyFactory(
        unit=f.UnitFactory(building=world.building, number="1206", area=Decimal("50.00")),
        resident=double.resident,
    )
    world.double_owner = double.resident
    world.user_1205 = f.make_resident_user(double.resident)
    world.unit_1203, world.unit_1204 = owners["1203"].unit, owners["1204"].unit
    world.unit_1205 = double.unit
    world.unit_1206 = world.unit_1205.building.units.get(number="1206")
    tenant = f.OccupancyFactory(unit=world.unit, relation=Relation.TENANT)
    world.tenant_user = f.make_resident_user(tenant.resident)
    family = f.OccupancyFactory(unit=world.other_unit, relation=Relation.FAMILY, may_vote=True)
    world.family_user = f.make_resident_user(family.resident)
    world.family = family.resident
    return world


def vote_data(world, **extra):
    now = timezone.now()
    data = {
        "project_id": world.project.pk,
        "title": "更换小区门禁系统",
        "question": "是否同意使用公共收益更换门禁系统？",
        "special_matter": False,
        "starts_at": (now - datetime.timedelta(hours=1)).isoformat(),
        "ends_at": (now + datetime.timedelta(days=7)).isoformat(),
    }
    data.update(extra)
    return data


def end_now(vote_id):
    """The vote's time is up (its end moved into the past, as if a week had gone by)."""
    vote = Vote.objects.get(pk=vote_id)
    Vote.objects.filter(pk=vote_id).update(
        ends_at=timezone.now() - datetime.timedelta(seconds=1),
        starts_at=min(vote.starts_at, timezone.now() - datetime.timedelta(hours=2)),
    )
