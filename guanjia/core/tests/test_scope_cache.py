"""The scope is kept in the shared cache between requests; any change it depends on drops it at once.

These tests run outside a test transaction (``transaction=True``): inside one, the scope is never
cached (a change could still be rolled back), so the cache would not be exercised.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import scope_for
from guanjia.staff.models import StaffRole
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def next_request(user):
    """The same person on their next request: a fresh user object, as authentication loads it."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def people():
    company = f.CompanyFactory(short_code="JY")
    p1 = f.ProjectFactory(company=company, code="P1")
    p2 = f.ProjectFactory(company=company, code="P2")
    member = f.make_staff(company=company, roles=[Role.DESK], projects=[p1, p2], name="前台")
    return company, p1, p2, member.user


def test_a_second_request_reads_the_scope_from_the_cache(people):
    _company, p1, p2, desk = people
    assert scope_for(next_request(desk)).project_ids == {p1.pk, p2.pk}
    user = next_request(desk)
    with CaptureQueriesContext(connection) as queries:
        assert scope_for(user).project_ids == {p1.pk, p2.pk}
    assert not [q for q in queries.captured_queries if "staff_" in q["sql"]]


def test_taking_a_project_away_applies_on_the_next_request(people):
    _company, p1, p2, desk = people
    scope_for(next_request(desk))
    desk.staff_member.projects.remove(p2)
    assert scope_for(next_request(desk)).project_ids == {p1.pk}
    p1.staff.remove(desk.staff_member)  # from the project's side
    assert scope_for(next_request(desk)).project_ids == frozenset()


def test_taking_a_role_away_applies_on_the_next_request(people):
    _company, _p1, _p2, desk = people
    assert Perm.REVEAL_PHONE in scope_for(next_request(desk)).permissions
    StaffRole.objects.filter(staff=desk.staff_member).delete()
    assert Perm.REVEAL_PHONE not in scope_for(next_request(desk)).permissions


def test_a_member_who_left_sees_nothing_on_the_next_request(people):
    _company, _p1, _p2, desk = people
    assert scope_for(next_request(desk)).is_staff
    member = desk.staff_member
    member.deleted_at = timezone.now()
    member.save()
    assert scope_for(next_request(desk)).company_id is None


def test_a_deactivated_user_sees_nothing_even_with_a_cached_scope(people):
    _company, _p1, _p2, desk = people
    scope_for(next_request(desk))
    get_user_model().objects.filter(pk=desk.pk).update(is_active=False)  # no signal on purpose
    assert scope_for(next_request(desk)).company_id is None
