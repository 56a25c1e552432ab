import datetime

import pytest
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.dispatch.models import DispatchRule
from guanjia.staff.choices import Department
from guanjia.staff.models import DutyShift, Skill, StaffMember
from guanjia.testing import factories as f
from guanjia.tickets import services as ticket_services
from guanjia.tickets.models import TicketCategory

# A Wednesday morning in Shanghai: the moment every test dispatches at.
NOW = timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0))


@pytest.fixture
def dw(world, monkeypatch):
    """The scoping world plus an engineering team at P1: two technicians, their department head,
    the company's categories, the skill 水电, and a clock fixed on a Wednesday at 10:00."""
    monkeypatch.setattr(ticket_services, "_now", lambda: NOW)
    ticket_services.company_defaults_ensure(company=world.company)
    ticket_services.company_defaults_ensure(company=world.other_company)
    world.tech1 = StaffMember.objects.get(user=world.technician)
    world.tech2 = f.make_staff(
        company=world.company,
        roles=[Role.TECHNICIAN],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="维修工二",
    )
    world.head = f.make_staff(
        company=world.company,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="工程主管",
    )
    world.plumbing = TicketCategory.objects.get(company=world.company, name="水电", parent=None)
    world.leak = TicketCategory.objects.get(company=world.company, name="漏水")
    world.water_skill = Skill.objects.create(company=world.company, name="水电")
    return world


def make_rule(world, *, category=None, department=Department.ENGINEERING, **extra):
    return DispatchRule.objects.create(
        company=world.company,
        project=extra.pop("project", world.project),
        category=category or world.plumbing,
        department=department,
        **extra,
    )


def on_duty(world, member, project=None):
    """Put someone on the Wednesday day shift (08:00–20:00)."""
    return DutyShift.objects.create(
        company=world.company,
        project=project or world.project,
        staff=member,
        weekday=2,
        starts_at=datetime.time(8),
        ends_at=datetime.time(20),
    )


def receive(world, *, actor=None, **data):
    """The desk receives a leak in unit 1201 (override any field)."""
    payload = {
        "kind": "home_repair",
        "unit_id": world.unit.pk,
        "category_id": world.leak.pk,
        "description": "厨房水管漏水",
    } | data
    return ticket_services.ticket_create(actor=actor or world.desk, data=payload)
