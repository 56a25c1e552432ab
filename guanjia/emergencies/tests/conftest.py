import datetime
from zoneinfo import ZoneInfo

import pytest

from guanjia.core.roles import Role
from guanjia.emergencies import services
from guanjia.emergencies.choices import Position
from guanjia.emergencies.models import EmergencyPlan
from guanjia.emergencies.services import common
from guanjia.staff.choices import Department
from guanjia.testing import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
NIGHT = datetime.datetime(2026, 3, 10, 2, 0, tzinfo=SHANGHAI)


def at(monkeypatch, moment):
    monkeypatch.setattr(common, "_now", lambda: moment)


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


def _item(world, project, name, actor=None):
    """A 消防 item of the equipment ledger."""
    from guanjia.facilities import services as facilities

    roots = facilities.types_ensure(company=project.company)
    return facilities.equipment_create(
        actor=actor or world.manager,
        data={"project_id": project.pk, "type_id": roots["消防"].pk, "name": name},
    )


@pytest.fixture
def items(ew):
    """Fire equipment in P1 (a pump and a smoke fan), in P2 and in the other company's project."""
    ew.pump = _item(ew, ew.project, "3号消防泵")
    ew.fan = _item(ew, ew.project, "排烟风机")
    ew.sibling_pump = _item(ew, ew.sibling_project, "大厦消防泵", actor=ew.admin)
    ew.foreign_pump = _item(ew, ew.foreign_project, "外司消防泵", actor=ew.foreign_admin)
    return ew


@pytest.fixture
def fire_tests(items):
    """Seed 000's fire maintenance plans applied to P1 and P2 from January: ``yearly`` holds P1's
    yearly whole-system fire tests (one per 消防 item)."""
    from guanjia.facilities.models import MaintenanceTask
    from guanjia.facilities.services import fire_plans_apply

    w = items
    fire_plans_apply(actor=w.manager, project=w.project, starts_on=datetime.date(DAY.year, 1, 1))
    fire_plans_apply(actor=w.admin, project=w.sibling_project, starts_on=datetime.date(DAY.year, 1, 1))
    w.yearly = list(
        MaintenanceTask.objects.filter(project=w.project, plan__template="fire_yearly").order_by(
            "equipment__code"
        )
    )
    assert len(w.yearly) == 2  # one per 消防 item
    return w
