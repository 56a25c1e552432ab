"""The API: scoping across companies, projects and units (404 like missing, nothing changed), bad
input naming the field (422), a second decision 409, the patrol on a phone, the list's export."""

import datetime

import pytest
from django.utils import timezone

from guanjia.core.models import ObjectChange
from guanjia.renovation import services
from guanjia.renovation.models import Renovation
from guanjia.renovation.tests.conftest import application, png
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def _names(response, field: str) -> bool:
    """The 422 names the field (a multipart form's fields are named ``form.<name>`` / ``file.<name>``)."""
    return any(key == field or key.endswith(f".{field}") for key in response.json()["errors"])


def _json(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}


def test_owner_applies_and_outsiders_never_see_it(rw):
    owner = Api(rw.resident_user)
    response = owner.post("renovations", _json(application(rw.unit, facade=True)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "engineering" and body["facade"] is True
    assert len(body["workers"]) == 2
    pk = body["id"]
    assert owner.get(f"renovations/{pk}").status_code == 200
    assert [r["id"] for r in owner.get("renovations").json()["items"]] == [pk]
    count = ObjectChange.objects.count()
    for outsider in (rw.foreign_admin, rw.sibling_desk, rw.other_resident_user):
        api = Api(outsider)
        assert api.get(f"renovations/{pk}").status_code == 404
        assert pk not in [r["id"] for r in api.get("renovations").json()["items"]]
        assert api.post(f"renovations/{pk}/approve", {}).status_code == 404
        assert api.post(f"renovations/{pk}/reject", {"reason": "x"}).status_code == 404
    assert Api(rw.foreign_admin).get("renovations/999999").status_code == 404
    assert ObjectChange.objects.count() == count
    assert Renovation.objects.get(pk=pk).status == "engineering"
    # The desk and HQ of the same company see it.
    assert Api(rw.desk).get(f"renovations/{pk}").status_code == 200
    assert Api(rw.admin).get(f"renovations/{pk}").status_code == 200
    assert Api().get("renovations").status_code == 401


def test_a_unit_of_another_company_or_project_cannot_be_applied_for(rw):
    for actor, unit in (
        (rw.desk, rw.foreign_unit),  # another company
        (rw.foreign_admin, rw.unit),  # from the other company, a unit of ours
        (rw.desk, rw.sibling_unit),  # a project the desk does not serve
        (rw.resident_user, rw.other_unit),  # a neighbour's unit
    ):
        data = _json(application(unit, applicant_name="某人", applicant_phone="13900000000"))
        response = Api(actor).post("renovations", data)
        assert response.status_code == 422, (actor, response.content)
        assert "unit_id" in response.json()["errors"]
    assert not Renovation.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contractor": ""}, "contractor"),
        ({"rules_acknowledged": False}, "rules_acknowledged"),
        ({"starts_on": "2020-01-01"}, "starts_on"),
        ({"ends_on": "not a date"}, "ends_on"),
        ({"unit_id": 0}, "unit_id"),
        ({"workers": [{"name": ""}]}, "workers"),
    ],
)
def test_bad_input_is_422_naming_the_field(rw, change, field):
    data = _json(application(rw.unit)) | change
    response = Api(rw.resident_user).post("renovations", data)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(key == field or key.startswith(field) for key in errors), errors
    assert not Renovation.objects.exists()


def test_ends_before_start_names_ends_on(rw):
    today = timezone.localdate()
    data = _json(
        application(
            rw.unit, starts_on=today + datetime.timedelta(days=5), ends_on=today + datetime.timedelta(days=2)
        )
    )
    response = Api(rw.resident_user).post("renovations", data)
    assert response.status_code == 422
    assert "ends_on" in response.json()["errors"]


def test_a_second_decision_is_409(rw):
    pk = Api(rw.resident_user).post("renovations", _json(application(rw.unit))).json()["id"]
    assert Api(rw.engineer).post(f"renovations/{pk}/approve", {"note": "可以"}).status_code == 200
    again = Api(rw.engineer).post(f"renovations/{pk}/approve", {})
    assert again.status_code == 409
    assert Api(rw.manager).post(f"renovations/{pk}/reject", {"reason": "不行"}).status_code == 409
    # The reader of the deposit step: only billing staff may issue the bills.
    assert Api(rw.desk).post(f"renovations/{pk}/bill", {}).status_code == 403
    response = Api(rw.manager).post(f"renovations/{pk}/bill", {"deposit_amount": "-5"})
    assert response.status_code == 422 and "deposit_amount" in response.json()["errors"]


def test_patrol_and_violation_on_a_phone(rw):
    from decimal import Decimal

    from guanjia.billing import services as billing

    renovation = services.renovation_apply(actor=rw.resident_user, data=application(rw.unit))
    services.renovation_approve(actor=rw.engineer, renovation=renovation)
    services.renovation_bill(actor=rw.manager, renovation=Renovation.objects.get(pk=renovation.pk))
    billing.payment_post(
        actor=rw.desk,
        data={"unit_id": rw.unit.pk, "amount": Decimal("3500"), "method": "cash", "idempotency_key": "p"},
    )
    renovation = services.renovation_permit(
        actor=rw.desk, renovation=Renovation.objects.get(pk=renovation.pk)
    )
    services.make_patrols(day=timezone.localdate())
    api = Api(rw.patroller)
    stops = api.get("renovation-patrols/today").json()
    # The permit starts tomorrow: today's list is empty; the permit's first day has it.
    if renovation.permit_from > timezone.localdate():
        assert stops == []
    services.make_patrols(day=renovation.permit_from)
    url = f"/api/v1/renovations/{renovation.pk}/violations"
    missing_photo = api.client.post(
        url,
        {
            "kind": "noise",
            "note": "午休时间电钻",
            "rectify_by": (timezone.now() + datetime.timedelta(hours=3)).isoformat(),
        },
        headers=api.headers,
    )
    assert missing_photo.status_code == 422 and _names(missing_photo, "photos")
    bad_kind = api.client.post(
        url,
        {"kind": "loud", "note": "x", "rectify_by": timezone.now().isoformat(), "photos": [png()]},
        headers=api.headers,
    )
    assert bad_kind.status_code == 422 and _names(bad_kind, "kind")
    past = api.client.post(
        url,
        {
            "kind": "noise",
            "note": "x",
            "rectify_by": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
            "photos": [png()],
        },
        headers=api.headers,
    )
    assert past.status_code == 422 and _names(past, "rectify_by")
    ok = api.client.post(
        url,
        {
            "kind": "noise",
            "note": "午休时间电钻",
            "rectify_by": (timezone.now() + datetime.timedelta(hours=3)).isoformat(),
            "photos": [png()],
        },
        headers=api.headers,
    )
    assert ok.status_code == 201, ok.content
    photo = ok.json()["photos"][0]["image"]
    # The photo is served to the owner's session, never to another unit's resident.
    from django.test import Client

    for user, status in ((rw.resident_user, 200), (rw.other_resident_user, 404), (rw.foreign_admin, 404)):
        browser = Client()
        browser.force_login(user)
        assert browser.get(photo).status_code == status, user
    owner = Api(rw.resident_user)
    # Residents cannot record violations.
    assert (
        owner.client.post(
            url,
            {"kind": "noise", "note": "x", "rectify_by": timezone.now().isoformat(), "photos": [png()]},
            headers=owner.headers,
        ).status_code
        == 403
    )
