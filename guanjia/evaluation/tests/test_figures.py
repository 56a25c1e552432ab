"""Per-person figures count exactly the right requests, built through the tickets services: on time
and late deadlines, ratings, follow-up answers, rework, and a complaint naming the person."""

import pytest
from django.core.exceptions import ValidationError

from guanjia.core.errors import NotAllowed
from guanjia.evaluation import figures
from guanjia.sla.tests.helpers import receive
from guanjia.testing.api import Api
from guanjia.tickets.choices import Kind

pytestmark = pytest.mark.django_db


def march(user, **kw):
    query = figures.figure_query(user, start="2026-03-01", end="2026-03-31", **kw)
    return {r["name"]: r for r in figures.staff_figures(user, query)}


def test_figures_count_exactly_the_technicians_work(work):
    rows = march(work.manager, project_id=work.project.pk)
    tech = rows["维修工"]
    assert tech["handled"] == 2
    # a: response, on site (6 min) and complete on time; b round 0: response and on site late
    # (2 h), complete on time (3 h < a day); b round 1 (its clocks start at the unsatisfied call,
    # 9:00; accepted 10:05, on site 10:20): response and on site late, complete on time. A normal
    # repair is on site within 15 minutes (seed 000); follow-ups are the desk's.
    assert (tech["deadlines_on_time"], tech["deadlines_done"]) == (5, 9)
    assert tech["on_time_rate"] == round(5 / 9, 4)
    assert (tech["ratings"], str(tech["rating_mean"])) == (1, "4.00")
    # Three calls: 5, then 2 unsatisfied (the request went back to work), then 3 after the rework.
    assert (tech["satisfied"], tech["answered"], tech["satisfied_rate"]) == (2, 3, round(2 / 3, 4))
    assert tech["rework"] == 1
    assert tech["complaints"] == 1  # April's complaint is outside the range
    assert tech["most_complained"] is True
    other = rows["维修工二"]
    assert (other["handled"], other["complaints"], other["rework"], other["most_complained"]) == (
        1,
        0,
        0,
        False,
    )
    assert rows["前台"]["handled"] == 0 and rows["前台"]["rating_mean"] is None


def test_figures_are_a_fixed_number_of_queries(work, django_assert_max_num_queries):
    from guanjia.core.scoping import scope_for

    scope_for(work.manager)
    query = figures.figure_query(work.manager, start="2026-03-01", end="2026-03-31")
    with django_assert_max_num_queries(10):
        rows = figures.staff_figures(work.manager, query)
    assert len(rows) >= 5


def test_scoping_manager_sees_their_projects_people_hq_all_others_nothing(work):
    assert "大厦前台" not in march(work.manager)
    assert {"维修工", "大厦前台"} <= set(march(work.admin))
    with pytest.raises(NotAllowed):
        march(work.desk)  # colleagues' figures are for reviewers
    assert "维修工" not in march(work.foreign_admin)
    with pytest.raises(ValidationError) as exc:
        march(work.foreign_admin, project_id=work.project.pk)
    assert "project" in exc.value.message_dict


def test_api_figures_sorted_and_scoped(work):
    api = Api(work.manager)
    response = api.get(
        "staff-figures",
        project=work.project.pk,
        **{"from": "2026-03-01", "to": "2026-03-31"},
        sort="handled",
        descending=True,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rows"][0]["name"] == "维修工" and body["rows"][0]["handled"] == 2
    assert body["from"] == "2026-03-01"
    assert Api(work.sibling_desk).get("staff-figures").status_code == 403
    bad = Api(work.foreign_admin).get("staff-figures", project=work.project.pk)
    assert bad.status_code == 422 and "project" in bad.json()["errors"]


def test_complaint_subject_must_serve_the_project_and_only_on_complaints(tw):
    with pytest.raises(ValidationError) as exc:
        receive(tw, kind=Kind.COMPLAINT, description="x", subject_staff_id=tw.staff["sibling_desk"].pk)
    assert "subject_staff_id" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        receive(tw, subject_staff_id=tw.staff["technician"].pk)
    assert "subject_staff_id" in exc.value.message_dict
    t = receive(tw, kind=Kind.COMPLAINT, description="x", subject_staff_id=tw.staff["technician"].pk)
    assert t.subject_staff_id == tw.staff["technician"].pk
    # The API reads it back, and a desk files one the same way.
    assert Api(tw.manager).get(f"tickets/{t.pk}").json()["subject_staff_id"] == tw.staff["technician"].pk
    filed = Api(tw.desk).post(
        "tickets",
        {
            "kind": "complaint",
            "unit_id": tw.unit.pk,
            "description": "态度差",
            "subject_staff_id": tw.staff["technician"].pk,
        },
    )
    assert filed.status_code == 201, filed.json()
    assert filed.json()["subject_staff_id"] == tw.staff["technician"].pk


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_dates_out_of_any_work_are_422_not_an_overflow(world, day):
    response = Api(world.manager).get("staff-figures", **{"from": day, "to": day})
    assert response.status_code == 422 and set(response.json()["errors"]) & {"from", "to"}


def test_a_to_date_in_the_first_days_of_year_one_is_a_422_naming_it(work):
    """Schemathesis found it: "to=0001-01-01" left no room for the default span and gave a 500."""
    response = Api(work.manager).get("staff-figures", to="0001-01-01")
    assert response.status_code == 422, response.content
    assert "to" in response.json()["errors"]
