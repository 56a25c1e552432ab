import datetime
from zoneinfo import ZoneInfo

import pytest

from guanjia.core.roles import Role
from guanjia.emergencies import services
from guanjia.emergencies.choices import Position
from guanjia.emergencies.models import EmergencyPlan
from guanjia.staff.choices import Department
from guanjia.testing import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
NIGHT = datetime.datetime(2026, 3, 10, 2, 0, tzinfo=SHANGHAI)


def at(monkeypatch, moment):
    monkeypatch.setattr(services, "_now", lambda: moment)


@pytest.fixture
def ew(world, monkeypatch):
    """The scoping world plus the default plans and a command post for P1 (see ``build_ew``), at 10:00."""
    at(monkeypatch, DAY)
    return build_ew(world)


def build_ew(world):
    """A control-room operator, a fire supervisor leading 灭火组 (with a stand-in), a security captain
    (警戒组), an engineering head (技术组 and 工程部), the security head as deputy (and 保卫部), and
    world.manager as commander."""
    services.plans_ensure_defaults(company=world.company)
    services.plans_ensure_defaults(company=world.other_company)
    staff = f.make_staff
    p = [world.project]
    w = world
    w.control = staff(
        company=w.company,
        roles=[Role.SECURITY],
        projects=p,
        department=Department.SECURITY,
        name="中控值班员",
    )
    w.fire_lead = staff(
        company=w.company, roles=[Role.SECURITY], projects=p, department=Department.SECURITY, name="消防主管"
    )
    w.fire_standin = staff(
        company=w.company, roles=[Role.SECURITY], projects=p, department=Department.SECURITY, name="消防替补"
    )
    w.captain = staff(
        company=w.company, roles=[Role.SECURITY], projects=p, department=Department.SECURITY, name="保安队长"
    )
    w.security_head = staff(
        company=w.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=p,
        department=Department.SECURITY,
        name="保卫经理",
    )
    w.eng_head = staff(
        company=w.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=p,
        department=Department.ENGINEERING,
        name="工程主管",
    )
    w.gm = w.manager.staff_member
    w.post = services.post_ensure(actor=w.manager, project=w.project)
    add = services.member_add
    add(actor=w.manager, post=w.post, data={"position": Position.CONTROL_ROOM, "staff_id": w.control.pk})
    add(
        actor=w.manager,
        post=w.post,
        data={"position": Position.FIRE_FIGHTING, "staff_id": w.fire_lead.pk, "is_leader": True},
    )
    add(
        actor=w.manager,
        post=w.post,
        data={"position": Position.FIRE_FIGHTING, "staff_id": w.fire_standin.pk, "is_standin": True},
    )
    add(
        actor=w.manager,
        post=w.post,
        data={"position": Position.CORDON, "staff_id": w.captain.pk, "is_leader": True},
    )
    add(
        actor=w.manager,
        post=w.post,
        data={"position": Position.TECHNICAL, "staff_id": w.eng_head.pk, "is_leader": True},
    )
    add(actor=w.manager, post=w.post, data={"position": Position.ENGINEERING_DEPT, "staff_id": w.eng_head.pk})
    add(
        actor=w.manager,
        post=w.post,
        data={"position": Position.SECURITY_DEPT, "staff_id": w.security_head.pk},
    )
    add(actor=w.manager, post=w.post, data={"position": Position.DEPUTY, "staff_id": w.security_head.pk})
    w.fire = EmergencyPlan.objects.get(company=w.company, kind="fire")
    w.power = EmergencyPlan.objects.get(company=w.company, kind="power_cut")
    return w


def open_fire(w, *, level=1, actor=None, **extra):
    data = {
        "project_id": w.project.pk,
        "kind": "fire",
        "level": level,
        "building_id": w.building.pk,
        "floor_from": 12,
        "floor_to": 12,
        "description": "12楼走廊冒烟",
        **extra,
    }
    return services.incident_open(actor=actor or w.control.user, data=data)
