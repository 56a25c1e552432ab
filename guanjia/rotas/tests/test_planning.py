import datetime

import pytest

from guanjia.core.errors import NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.rotas import services
from guanjia.rotas.models import Shift
from guanjia.rotas.tests.conftest import local
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def assign(rw, day, staff, pattern=None, actor=None):
    return services.shift_assign(
        actor=actor or rw.head, post=rw.gate, pattern_id=(pattern or rw.day).pk, date=day, staff_id=staff.pk
    )


def test_a_night_shift_crosses_midnight_in_shanghai(rw):
    day = datetime.date(2026, 12, 1)
    start, end = rw.night.span(day)
    assert (start, end) == (local(day, 20), local(day + datetime.timedelta(days=1), 8))
    start, end = rw.full.span(day)
    assert end - start == datetime.timedelta(hours=24)


def test_overlapping_shifts_of_one_person_are_refused_naming_the_field(rw, soon):
    rw.gate.patterns.add(rw.full)
    assign(rw, soon, rw.guard1)
    # The night that follows touches the day shift but does not overlap it.
    assign(rw, soon, rw.guard1, rw.night)
    api = Api(rw.head)
    res = api.post(
        "rotas/shifts",
        {"post_id": rw.gate.pk, "pattern_id": rw.full.pk, "date": soon.isoformat(), "staff_id": rw.guard1.pk},
    )
    assert res.status_code == 422
    assert "staff_id" in res.json()["errors"]
    assert Shift.objects.filter(staff=rw.guard1).count() == 2


def test_bad_input_is_422_and_nothing_saved(rw, soon):
    api = Api(rw.head)
    base = {
        "post_id": rw.gate.pk,
        "pattern_id": rw.day.pk,
        "date": soon.isoformat(),
        "staff_id": rw.guard1.pk,
    }
    res = api.post("rotas/shifts", base | {"pattern_id": rw.full.pk})  # not a pattern of this post
    assert res.status_code == 422 and "pattern_id" in res.json()["errors"]
    res = api.post("rotas/shifts", base | {"staff_id": rw.tech.pk + 999})
    assert res.status_code == 422 and "staff_id" in res.json()["errors"]
    res = api.post("rotas/shifts", base | {"date": "2026-02-30"})
    assert res.status_code == 422
    res = api.post("rotas/patterns", {"name": "", "starts_at": "08:00", "ends_at": "20:00"})
    assert res.status_code == 422
    assert not Shift.objects.exists()


def test_another_company_sees_none_of_it(rw, soon):
    shift = assign(rw, soon, rw.guard1)
    foreign = Api(rw.foreign_admin)
    assert foreign.get(f"rotas/posts/{rw.gate.pk}").status_code == 404
    assert foreign.get(f"rotas/shifts/{shift.pk}").status_code == 404
    assert foreign.delete(f"rotas/shifts/{shift.pk}").status_code == 404
    assert [p["id"] for p in foreign.get("rotas/posts").json()["items"]] == [rw.foreign_post.pk]
    res = foreign.get(f"rotas/gaps?project_id={rw.project.pk}&date_from={soon}&date_to={soon}")
    assert res.status_code == 200 and res.json() == []
    # Planning our post with their people or theirs with ours: refused.
    res = Api(rw.head).post(
        "rotas/shifts",
        {
            "post_id": rw.foreign_post.pk,
            "pattern_id": rw.foreign_pattern.pk,
            "date": str(soon),
            "staff_id": rw.guard1.pk,
        },
    )
    assert res.status_code == 404
    assert Shift.objects.filter(pk=shift.pk).exists()


def test_only_the_posts_department_head_plans_it(rw, soon):
    with pytest.raises(NotAllowed):
        assign(rw, soon, rw.guard1, actor=rw.eng_head)
    with pytest.raises(NotAllowed):
        assign(rw, soon, rw.guard1, actor=rw.guard2.user)
    shift = assign(rw, soon, rw.guard1, actor=rw.manager)
    assert ObjectChange.objects.filter(object_id=str(shift.pk), action="create").exists()


def test_a_week_is_copied_forward_skipping_overlaps(rw):
    monday = datetime.date(2026, 11, 30)
    assign(rw, monday, rw.guard1)
    assign(rw, monday + datetime.timedelta(days=1), rw.guard2, rw.night)
    # Next Monday guard1 already holds a night that starts on Sunday? No: a 24h shift on next Monday.
    rw.gate.patterns.add(rw.full)
    assign(rw, monday + datetime.timedelta(days=7), rw.guard1, rw.full)
    result = services.rota_copy_week(actor=rw.head, post=rw.gate, from_monday=monday, weeks=2)
    assert result["created"] == 3  # guard1 skipped on the first copied Monday
    assert len(result["skipped"]) == 1
    assert Shift.objects.filter(staff=rw.guard2, pattern=rw.night).count() == 3
