"""factory_boy factories for every model of the foundation; later apps add theirs beside them."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from guanjia.core.models import Company
from guanjia.estates.choices import ProjectKind, Relation, UnitStatus
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember, StaffRole

PASSWORD = "guanjia-test-1"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"测试物业公司{n}")
    short_code = factory.Sequence(lambda n: f"C{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")
    code = factory.Sequence(lambda n: f"P{n}")
    kind = ProjectKind.RESIDENTIAL
    city = "上海"
    address = factory.Sequence(lambda n: f"浦东新区测试路{n}号")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    project = factory.SubFactory(ProjectFactory)
    company = factory.SelfAttribute("project.company")
    name = factory.Sequence(lambda n: f"{n}栋")
    floors_above = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    project = factory.SelfAttribute("building.project")
    company = factory.SelfAttribute("building.company")
    floor = 12
    number = factory.Sequence(lambda n: f"{1200 + n}")
    area = Decimal("89.50")
    status = UnitStatus.OCCUPIED


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    project = factory.SubFactory(ProjectFactory)
    company = factory.SelfAttribute("project.company")
    name = factory.Sequence(lambda n: f"住户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class OccupancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupancy

    unit = factory.SubFactory(UnitFactory)
    resident = factory.SubFactory(ResidentFactory, project=factory.SelfAttribute("..unit.project"))
    project = factory.SelfAttribute("unit.project")
    company = factory.SelfAttribute("unit.company")
    relation = Relation.OWNER
    start_on = datetime.date(2024, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_staff(
    *, company, roles, projects=(), department=Department.SERVICE, name=None, **extra
) -> StaffMember:
    """A staff member with a login, the given roles and the projects they serve."""
    user = UserFactory(company=company, display_name=name or "员工")
    member = StaffMember.objects.create(
        company=company, user=user, name=name or f"员工{user.pk}", department=department, **extra
    )
    for role in roles:
        StaffRole.objects.create(company=company, staff=member, role=role)
    member.projects.set(projects)
    return member


def make_resident_user(resident: Resident):
    user = UserFactory(company=resident.company, display_name=resident.name)
    resident.user = user
    resident.save()
    return user
