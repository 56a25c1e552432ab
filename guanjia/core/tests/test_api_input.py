"""Input conventions every resource shares."""

import datetime

import pytest

from guanjia.core.api import FilterSchema, Schema
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

ODD = "2027-04-15T08:55:40+17:53"  # an offset pydantic accepts and PostgreSQL would refuse


class When(Schema):
    at: datetime.datetime


class WhenFilter(FilterSchema):
    at__gte: datetime.datetime | None = None


def test_aware_times_in_input_are_kept_in_utc():
    assert When(at=ODD).at.utcoffset() == datetime.timedelta(0)
    assert WhenFilter(at__gte=ODD).at__gte == datetime.datetime(2027, 4, 14, 15, 2, 40, tzinfo=datetime.UTC)


def test_a_time_with_an_offset_the_database_refuses_is_still_a_filter_not_a_500(world):
    response = Api(world.manager).get("maintenance-tasks", due_at__gte=ODD)
    assert response.status_code == 200, response.content
