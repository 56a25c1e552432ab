"""``core.services.full_clean``: the same verdicts as Django's ``Model.full_clean``, fewer queries."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CheckConstraint, Q
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.core.services import _UNSUPPORTED, _check_in_python, full_clean
from guanjia.testing import factories as f
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db

scores = st.one_of(st.none(), st.integers(min_value=-2, max_value=8))


@settings(max_examples=60, deadline=None)
@given(
    unit=st.booleans(),
    building=st.booleans(),
    location=st.sampled_from(["", "东门岗亭"]),
    rating=scores,
    follow_up_score=scores,
)
def test_check_constraints_in_python_agree_with_the_database(
    unit, building, location, rating, follow_up_score
):
    ticket = Ticket(
        unit_id=7 if unit else None,
        building_id=8 if building else None,
        location=location,
        rating=rating,
        follow_up_score=follow_up_score,
    )
    against = ticket._get_field_expression_map(meta=Ticket._meta)
    for constraint in Ticket._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        in_python = _check_in_python(constraint.condition, ticket, set())
        assert in_python is not _UNSUPPORTED, constraint.name
        assert in_python == Q(constraint.condition).check(against), constraint.name


def test_negation_over_a_nullable_field_is_left_to_the_database():
    ticket = Ticket(rating=None)
    assert _check_in_python(~Q(rating=3), ticket, set()) is _UNSUPPORTED


def test_loaded_relations_are_not_looked_up_again_but_missing_ones_are_refused():
    unit = f.UnitFactory()
    building = f.BuildingFactory()
    making = f.UnitFactory.build(
        building=building, project=building.project, company=building.company, number="X1"
    )
    with CaptureQueriesContext(connection) as queries:
        full_clean(making)
    assert not [q for q in queries.captured_queries if 'FROM "estates_building"' in q["sql"]]

    orphan = f.UnitFactory.build(
        building=building, project=building.project, company=building.company, number="X2"
    )
    orphan.building_id = unit.building_id + 10_000  # an id with no row behind it, not loaded
    with pytest.raises(ValidationError) as caught:
        full_clean(orphan)
    assert "building" in caught.value.message_dict


def test_keys_unchanged_since_read_or_carried_by_a_loaded_row_are_not_looked_up_again():
    unit = f.UnitFactory()
    read = type(unit).objects.get(pk=unit.pk)  # nothing loaded with it
    with CaptureQueriesContext(connection) as queries:
        full_clean(read)
    assert not [
        q
        for q in queries.captured_queries
        if _looks_up(q, "core_company", "estates_project", "estates_building")
    ]

    read.building_id = f.BuildingFactory(project=unit.project, company=unit.company).pk  # changed: checked
    with CaptureQueriesContext(connection) as queries:
        full_clean(read)
    assert [q for q in queries.captured_queries if _looks_up(q, "estates_building")]

    making = f.UnitFactory.build(building=unit.building, project=unit.project, number="X3")
    making.company_id = unit.company_id  # an id only, but the loaded project carries the same
    with CaptureQueriesContext(connection) as queries:
        full_clean(making)
    assert not [q for q in queries.captured_queries if _looks_up(q, "core_company")]
    making.company_id = unit.company_id + 10_000  # the project says otherwise: looked up, refused
    with pytest.raises(ValidationError) as caught:
        full_clean(making)
    assert "company" in caught.value.message_dict


def _looks_up(query, *tables) -> bool:
    """Is this the ``SELECT 1 … WHERE id = …`` of a foreign key's existence check on one of the tables?"""
    return any(f'AS "a" FROM "{table}" WHERE "{table}"."id"' in query["sql"] for table in tables)
