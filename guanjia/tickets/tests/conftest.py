import pytest

from guanjia.core.roles import Role
from guanjia.sla import services as sla_services
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f
from guanjia.tickets import services
from guanjia.tickets.models import TicketCategory


@pytest.fixture
def tw(world):
    """The scoping world plus what service requests need: a butler for building 1, a second
    technician, a department head, and the company's default categories and paid services."""
    services.company_defaults_ensure(company=world.company)
    services.company_defaults_ensure(company=world.other_company)
    sla_services.sla_defaults_ensure(company=world.company)
    butler = f.make_staff(
        company=world.company, roles=[Role.BUTLER], projects=[world.project], name="楼栋管家"
    )
    butler.butler_buildings.set([world.building])
    world.butler = butler.user
    world.technician2 = f.make_staff(
        company=world.company,
        roles=[Role.TECHNICIAN],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="维修工二",
    ).user
    world.head = f.make_staff(
        company=world.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="工程主管",
    ).user
    world.staff = {
        u: StaffMember.objects.get(user=getattr(world, u))
        for u in ["desk", "technician", "technician2", "butler", "manager", "head", "sibling_desk"]
    }
    world.leak = TicketCategory.objects.get(company=world.company, name="漏水")
    return world
