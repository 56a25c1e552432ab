import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.estates.choices import Relation
from guanjia.notices import services
from guanjia.testing import factories as f


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


@pytest.fixture
def nw(world):
    """The scoping world plus: the butler of 1栋, a customer-service head of P1, a family member living
    in the resident's unit 1201 (same household), and 2栋 of P1 with one household."""
    world.butler_member = f.make_staff(
        company=world.company, roles=[Role.BUTLER], projects=[world.project], name="1栋管家"
    )
    world.butler_member.butler_buildings.set([world.building])
    world.butler = world.butler_member.user
    world.cs_head = f.make_staff(
        company=world.company, roles=[Role.DEPARTMENT_HEAD], projects=[world.project], name="客服主管"
    ).user
    family = f.OccupancyFactory(unit=world.unit, relation=Relation.FAMILY)
    world.family_user = f.make_resident_user(family.resident)
    world.building2 = f.BuildingFactory(project=world.project, name="2栋")
    b2 = f.OccupancyFactory(unit=f.UnitFactory(building=world.building2, number="201"))
    world.unit2, world.resident2 = b2.unit, b2.resident
    world.resident2_user = f.make_resident_user(b2.resident)
    return world


def draft(actor, **data):
    values = {"kind": "tip", "title": "温馨提示", "body": "天气转凉，注意保暖。"}
    values.update(data)
    return services.notice_create(actor=actor, data=values)


def published(actor, **data):
    notice = draft(actor, **data)
    return services.notice_publish(actor=actor, notice=notice)


def soon(minutes=30):
    return timezone.now() + datetime.timedelta(minutes=minutes)
