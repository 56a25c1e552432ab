"""Households per project (units with a current occupancy) are kept in the shared cache and are right
again as soon as an occupancy changes. Outside a test transaction, where the cache is used."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core.roles import Role
from guanjia.estates.models import Occupancy
from guanjia.estates.selectors import households_by_project, households_on_days
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_households_follow_occupancy_changes_and_the_users_projects():
    company = f.CompanyFactory(short_code="JY")
    p1 = f.ProjectFactory(company=company, code="P1")
    p2 = f.ProjectFactory(company=company, code="P2")
    building = f.BuildingFactory(project=p1)
    first = f.OccupancyFactory(unit=f.UnitFactory(building=building))
    f.OccupancyFactory(unit=first.unit)  # a second resident of the same unit: still one household
    f.OccupancyFactory(unit=f.UnitFactory(building=f.BuildingFactory(project=p2)))
    hq = f.make_staff(company=company, roles=[Role.HQ_CENTER], projects=[], name="总部").user
    desk = f.make_staff(company=company, roles=[Role.DESK], projects=[p1], name="前台").user

    def fresh(user):
        return get_user_model().objects.get(pk=user.pk)

    assert households_by_project(fresh(hq)) == {p1.pk: 1, p2.pk: 1}
    assert households_by_project(fresh(desk)) == {p1.pk: 1}
    f.OccupancyFactory(unit=f.UnitFactory(building=building))
    assert households_by_project(fresh(hq)) == {p1.pk: 2, p2.pk: 1}
    moved_out = f.OccupancyFactory._meta.model.objects.filter(project=p2).get()
    moved_out.end_on = datetime.date(2024, 6, 30)
    moved_out.save()
    assert households_by_project(fresh(hq)) == {p1.pk: 2}


def test_households_of_past_days_are_kept_per_day_and_dropped_with_any_occupancy_change():
    company = f.CompanyFactory(short_code="JY")
    p1 = f.ProjectFactory(company=company, code="P1")
    unit = f.UnitFactory(building=f.BuildingFactory(project=p1))
    moved_in = f.OccupancyFactory(unit=unit, start_on=datetime.date(2026, 1, 10), end_on=None)
    hq = get_user_model().objects.get(
        pk=f.make_staff(company=company, roles=[Role.HQ_CENTER], projects=[], name="总部").user.pk
    )
    new_year, february = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)
    assert households_on_days(hq, [new_year, february]) == {new_year: {}, february: {p1.pk: 1}}
    with CaptureQueriesContext(connection) as read:
        assert households_on_days(hq, [february, new_year]) == {new_year: {}, february: {p1.pk: 1}}
    assert not [q for q in read.captured_queries if "estates_occupancy" in q["sql"]]  # both days kept
    # A bulk update (an import correcting the date) sends no signal; it drops every kept day too.
    Occupancy.objects.filter(pk=moved_in.pk).update(start_on=datetime.date(2025, 12, 20))
    assert households_on_days(hq, [new_year, february]) == {new_year: {p1.pk: 1}, february: {p1.pk: 1}}
