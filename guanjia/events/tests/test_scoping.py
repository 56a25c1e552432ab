"""Who sees and touches an event: residents of another estate neither see nor sign up for it, another
company's staff get the same 404 as for a missing id, and nothing changes when they try."""

import pytest
from django.test import Client

from guanjia.core.models import ObjectChange
from guanjia.events import services
from guanjia.events.models import EventSignup
from guanjia.events.tests.conftest import draft, published
from guanjia.testing.api import Api, ids, snapshot

pytestmark = pytest.mark.django_db


def test_residents_of_another_estate_cannot_see_or_sign_up(ew):
    event = published(ew)
    api = Api(ew.sibling_resident_user)
    assert event.pk not in ids(api.get("events"))
    assert api.get(f"events/{event.pk}").status_code == 404
    assert api.post(f"events/{event.pk}/signups", {"people": 1}).status_code == 404
    portal = Client()
    portal.force_login(ew.sibling_resident_user)
    assert portal.get(f"/portal/events/{event.pk}/").status_code == 404
    assert not EventSignup.objects.exists()
    # Residents of the estate see it; a draft nobody sees in the portal.
    assert event.pk in ids(Api(ew.resident_user).get("events"))
    hidden = draft(ew)
    assert Api(ew.resident_user).get(f"events/{hidden.pk}").status_code == 404


def test_another_companys_staff_get_404_like_a_missing_id_and_change_nothing(ew):
    event = published(ew)
    mine = services.signup_create(actor=ew.resident_user, event=event, people=1)
    before, signup_before = snapshot(event), snapshot(mine)
    changes = ObjectChange.objects.count()
    api = Api(ew.foreign_admin)
    hidden, missing = api.get(f"events/{event.pk}"), api.get("events/999999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json().keys() == missing.json().keys()
    assert event.pk not in ids(api.get("events"))
    for path in ("publish", "close", "held"):
        assert api.post(f"events/{event.pk}/{path}").status_code == 404
    assert api.post(f"events/{event.pk}/cancel", {"reason": "x"}).status_code == 404
    assert api.patch(f"events/{event.pk}", {"title": "改名"}).status_code == 404
    assert api.post(f"event-signups/{mine.pk}/cancel").status_code == 404
    assert api.post("events/check-in", {"token": mine.token}).status_code == 404
    assert api.get(f"events/{event.pk}/signups").status_code == 404
    # The desk of the sibling estate does not see an event only for P1 either.
    assert event.pk not in ids(Api(ew.sibling_desk).get("events"))
    assert Api(ew.sibling_desk).get(f"events/{event.pk}").status_code == 404
    web = Client()
    web.force_login(ew.foreign_admin)
    assert web.get(f"/events/{event.pk}/").status_code == 404
    assert web.get(f"/events/check-in/{mine.token}/").status_code == 404
    assert snapshot(event) == before and snapshot(mine) == signup_before
    assert ObjectChange.objects.count() == changes


def test_a_household_sees_only_its_own_sign_ups_and_token(ew):
    event = published(ew)
    (_u3, h3), *_rest = ew.households
    mine = services.signup_create(actor=ew.resident_user, event=event, people=1)
    theirs = services.signup_create(actor=h3, event=event, people=1)
    rows = Api(ew.resident_user).get(f"events/{event.pk}/signups").json()
    assert [(r["id"], r["token"]) for r in rows] == [(mine.pk, mine.token)]
    assert Api(ew.resident_user).post(f"event-signups/{theirs.pk}/cancel").status_code == 404
    staff_rows = Api(ew.desk).get(f"events/{event.pk}/signups").json()
    assert {r["id"] for r in staff_rows} == {mine.pk, theirs.pk}
    assert all(r["token"] is None for r in staff_rows)
    # Residents cannot take attendance; the desk can.
    assert Api(ew.resident_user).post("events/check-in", {"token": mine.token}).status_code == 403
