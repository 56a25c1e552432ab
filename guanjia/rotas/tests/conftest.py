import datetime

import pytest
from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.rotas.models import Post, ShiftPattern
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """An aware Shanghai moment."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def rw(world):
    """The scoping world plus the security team of P1: its head, two guards; day (08–20), night
    (20–08) and 24-hour patterns; the main gate post (one person a shift, day and night)."""
    c = world.company
    staff = f.make_staff
    world.head_member = staff(
        company=c,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.SECURITY,
        name="秩序主管",
    )
    world.head = world.head_member.user
    world.eng_head = staff(
        company=c,
        roles=[Role.DEPARTMENT_HEAD],
        projects=[world.project],
        department=Department.ENGINEERING,
        name="工程主管",
    ).user
    world.guard1 = staff(
        company=c,
        roles=[Role.SECURITY],
        projects=[world.project],
        department=Department.SECURITY,
        name="保安甲",
    )
    world.guard2 = staff(
        company=c,
        roles=[Role.SECURITY],
        projects=[world.project],
        department=Department.SECURITY,
        name="保安乙",
    )
    world.day = ShiftPattern.objects.create(
        company=c, name="白班", starts_at=datetime.time(8), ends_at=datetime.time(20)
    )
    world.night = ShiftPattern.objects.create(
        company=c, name="夜班", starts_at=datetime.time(20), ends_at=datetime.time(8)
    )
    world.full = ShiftPattern.objects.create(
        company=c, name="24小时", starts_at=datetime.time(8), ends_at=datetime.time(8)
    )
    world.gate = Post.objects.create(
        company=c, project=world.project, name="大门岗", department=Department.SECURITY
    )
    world.gate.patterns.set([world.day, world.night])
    oc = world.other_company
    world.foreign_pattern = ShiftPattern.objects.create(
        company=oc, name="白班", starts_at=datetime.time(8), ends_at=datetime.time(20)
    )
    world.foreign_post = Post.objects.create(
        company=oc, project=world.foreign_project, name="别家门岗", department=Department.SECURITY
    )
    world.foreign_post.patterns.set([world.foreign_pattern])
    world.tech = StaffMember.objects.get(user=world.technician)
    return world


@pytest.fixture
def soon():
    """A Shanghai day three days ahead: its shifts are all in the future, whatever the hour now."""
    return timezone.localdate() + datetime.timedelta(days=3)
