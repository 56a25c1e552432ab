"""A small world for scoping tests: two companies, two projects in the first, people in every place.

Every test that proves "X cannot reach Y" uses these same named people, so a reader learns them once.
"""

from dataclasses import dataclass

from guanjia.core.roles import Role
from guanjia.staff.choices import Department
from guanjia.testing import factories as f


@dataclass
class World:
    company: object
    other_company: object
    project: object  # P1, where most things happen
    sibling_project: object  # P2, same company
    foreign_project: object  # another company's project
    building: object
    unit: object
    resident: object
    other_unit: object
    other_resident: object
    admin: object  # company administrator (HQ): sees all of the company
    hq: object  # HQ 24-hour centre
    manager: object  # project manager of P1
    desk: object  # desk of P1
    technician: object  # technician of P1
    sibling_desk: object  # desk of P2
    foreign_admin: object  # administrator of the other company
    resident_user: object
    other_resident_user: object


def build_world() -> World:
    company = f.CompanyFactory(name="金苑物业", short_code="JY")
    other_company = f.CompanyFactory(name="别家物业", short_code="BJ")
    project = f.ProjectFactory(company=company, name="金苑小区", code="JY")
    sibling = f.ProjectFactory(company=company, name="金苑大厦", code="JD")
    foreign = f.ProjectFactory(company=other_company, name="别家花园", code="BH")
    building = f.BuildingFactory(project=project, name="1栋")
    occupancy = f.OccupancyFactory(unit=f.UnitFactory(building=building, number="1201"))
    other_occupancy = f.OccupancyFactory(unit=f.UnitFactory(building=building, number="1202"))
    # Something in the sibling and the foreign project, so lists have rows to leak.
    f.OccupancyFactory(unit=f.UnitFactory(building=f.BuildingFactory(project=sibling)))
    f.OccupancyFactory(unit=f.UnitFactory(building=f.BuildingFactory(project=foreign)))
    staff = f.make_staff
    return World(
        company=company,
        other_company=other_company,
        project=project,
        sibling_project=sibling,
        foreign_project=foreign,
        building=building,
        unit=occupancy.unit,
        resident=occupancy.resident,
        other_unit=other_occupancy.unit,
        other_resident=other_occupancy.resident,
        admin=staff(
            company=company, roles=[Role.COMPANY_ADMIN], department=Department.MANAGEMENT, name="管理员"
        ).user,
        hq=staff(company=company, roles=[Role.HQ_CENTER], name="总部客服").user,
        manager=staff(
            company=company, roles=[Role.PROJECT_MANAGER], projects=[project], name="项目经理"
        ).user,
        desk=staff(company=company, roles=[Role.DESK], projects=[project], name="前台").user,
        technician=staff(
            company=company,
            roles=[Role.TECHNICIAN],
            projects=[project],
            department=Department.ENGINEERING,
            name="维修工",
        ).user,
        sibling_desk=staff(company=company, roles=[Role.DESK], projects=[sibling], name="大厦前台").user,
        foreign_admin=staff(company=other_company, roles=[Role.COMPANY_ADMIN], name="别家管理员").user,
        resident_user=f.make_resident_user(occupancy.resident),
        other_resident_user=f.make_resident_user(other_occupancy.resident),
    )
