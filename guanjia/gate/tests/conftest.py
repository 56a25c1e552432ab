import datetime

import pytest
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.gate import services
from guanjia.gate.models import Gate
from guanjia.testing import factories as f


@pytest.fixture
def gw(world):
    """The scoping world plus: a guard (秩序) of P1 and a second one, the south gate of P1, a gate of
    the other company's project with its own guard."""
    world.guard = f.make_staff(
        company=world.company, roles=[Role.SECURITY], projects=[world.project], name="门岗甲"
    ).user
    world.guard2 = f.make_staff(
        company=world.company, roles=[Role.SECURITY], projects=[world.project], name="门岗乙"
    ).user
    world.gate = services.gate_create(
        actor=world.manager, data={"project_id": world.project.pk, "name": "南门"}
    )
    world.sibling_gate = Gate.objects.create(
        company=world.company, project=world.sibling_project, name="大厦门"
    )
    world.foreign_gate = Gate.objects.create(
        company=world.other_company, project=world.foreign_project, name="别家门"
    )
    world.foreign_guard = f.make_staff(
        company=world.other_company, roles=[Role.SECURITY], projects=[world.foreign_project], name="别家门岗"
    ).user
    return world


def window(start_minutes=-5, hours=4):
    start = timezone.now() + datetime.timedelta(minutes=start_minutes)
    return {
        "valid_from": start.isoformat(),
        "valid_until": (start + datetime.timedelta(hours=hours)).isoformat(),
    }


def invite(world, **data):
    values = {"unit_id": world.unit.pk, "visitor_name": "张三", "people": 2}
    values.update(window())
    values.update(data)
    for key in ("valid_from", "valid_until"):
        if isinstance(values[key], str):
            values[key] = datetime.datetime.fromisoformat(values[key])
    return services.pass_create(actor=world.resident_user, data=values)
