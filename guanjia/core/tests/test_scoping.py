"""Who sees what, at the queryset level — the one place it is decided."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanjia.core.phones import mask_phone, normalise_phone
from guanjia.core.scoping import scope_for
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


def visible(model, user):
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def test_hq_sees_the_whole_company_and_nothing_else(world):
    assert visible(Project, world.hq) == {world.project.pk, world.sibling_project.pk}
    assert visible(Unit, world.hq) == set(
        Unit.objects.filter(company=world.company).values_list("pk", flat=True)
    )


def test_project_staff_see_only_their_projects(world):
    assert visible(Project, world.desk) == {world.project.pk}
    assert visible(Building, world.desk) == {world.building.pk}
    assert all(u.project_id == world.project.pk for u in Unit.objects.visible_to(world.desk))
    assert visible(StaffMember, world.sibling_desk) == {StaffMember.objects.get(user=world.sibling_desk).pk}


def test_residents_see_their_own_units_and_themselves_only(world):
    assert visible(Unit, world.resident_user) == {world.unit.pk}
    assert visible(Resident, world.resident_user) == {world.resident.pk}
    assert visible(Building, world.resident_user) == {world.building.pk}
    assert visible(Project, world.resident_user) == {world.project.pk}
    assert visible(StaffMember, world.resident_user) == set()


def test_a_resident_who_moved_out_no_longer_sees_the_unit(world):
    Occupancy.objects.filter(resident=world.resident).update(end_on=datetime.date(2024, 6, 30))
    assert visible(Unit, world.resident_user) == set()


def test_resident_with_units_in_two_projects_is_visible_to_both_projects_staff(world):
    f.OccupancyFactory(
        resident=world.resident, unit=f.UnitFactory(building=f.BuildingFactory(project=world.sibling_project))
    )
    assert world.resident.pk in visible(Resident, world.sibling_desk)
    assert world.other_resident.pk not in visible(Resident, world.sibling_desk)


def test_users_without_a_company_or_inactive_see_nothing(world):
    orphan = f.UserFactory()
    assert visible(Unit, orphan) == set()
    world.desk.is_active = False
    assert scope_for(world.desk).company_id is None


def test_a_superuser_of_no_company_sees_no_domain_data(world):
    root = f.UserFactory(is_superuser=True, is_staff=True)
    assert visible(Resident, root) == set()


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_numbers_normalise_and_mask(phone):
    assert normalise_phone(f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}") == phone
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert phone[3:7] not in masked[3:7]


@given(st.text(max_size=20))
def test_normalise_phone_accepts_only_phone_numbers(text):
    from django.core.exceptions import ValidationError

    try:
        result = normalise_phone(text)
    except ValidationError:
        return
    assert result.replace("-", "").isdigit()
