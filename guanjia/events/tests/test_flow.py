"""An event's life on the API and the services: planned, published as a notice, signed up for until
full, a waiting list that a cancellation promotes (and tells), attendance at the door once, walk-ins,
the attendees' ratings, the organiser's summary and cost, the figures, the export, cancellation."""

import datetime
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from guanjia.core.models import ObjectChange
from guanjia.events import services
from guanjia.events.models import Event, EventSignup
from guanjia.events.tests.conftest import draft, plan, published, shift
from guanjia.notices.models import Notice
from guanjia.notifications.models import Notification
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def test_publishing_sends_the_event_out_as_a_notice_of_each_project(ew):
    created = Api(ew.admin).post(
        "events",
        {
            **plan(ew, kind="service_day", services=["knife", "appliance", "recycling"], title="便民服务日"),
            "other_project_ids": [ew.sibling_project.pk],
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["notice_ids"] == []
    out = Api(ew.admin).post(f"events/{pk}/publish")
    assert out.status_code == 200, out.content
    notices = Notice.objects.filter(pk__in=out.json()["notice_ids"])
    assert {(n.project_id, n.kind, n.status) for n in notices} == {
        (ew.project.pk, "event", "published"),
        (ew.sibling_project.pk, "event", "published"),
    }
    assert all("磨刀、家电维修、旧物回收" in n.body for n in notices)
    # Residents of both estates read it among their notices and see the event.
    for user in (ew.resident_user, ew.sibling_resident_user):
        assert pk in {e["id"] for e in Api(user).get("events").json()["items"]}
    # A change of a published event's details publishes its notice anew (notices never change).
    old = set(out.json()["notice_ids"])
    patched = Api(ew.admin).patch(f"events/{pk}", {"place": "南门广场"})
    assert patched.status_code == 200, patched.content
    assert not old & set(patched.json()["notice_ids"])
    assert set(Notice.objects.filter(pk__in=old).values_list("status", flat=True)) == {"withdrawn"}
    assert "南门广场" in Notice.objects.get(pk=patched.json()["notice_ids"][0]).body
    # The kind and the projects stay once residents saw it; the capacity must be a number of people.
    refused = Api(ew.admin).patch(f"events/{pk}", {"capacity": 0})
    assert refused.status_code == 422 and "capacity" in refused.json()["errors"]
    # The project manager of P1 sees it (it is open to P1) and the desk of P2 too.
    assert Api(ew.manager).get(f"events/{pk}").status_code == 200
    assert Api(ew.sibling_desk).get(f"events/{pk}").status_code == 200


def test_bad_plans_are_422_naming_the_field(ew):
    api = Api(ew.manager)
    early = plan(ew)
    early["signup_closes_at"] = early["starts_at"] + datetime.timedelta(hours=1)
    response = api.post("events", early)
    assert response.status_code == 422 and "signup_closes_at" in response.json()["errors"]
    response = api.post("events", plan(ew, kind="service_day"))
    assert response.status_code == 422 and "services" in response.json()["errors"]
    response = api.post("events", plan(ew, budget="-1"))
    assert response.status_code == 422 and "budget" in response.json()["errors"]
    response = api.post("events", plan(ew, project_id=ew.foreign_project.pk))
    assert response.status_code == 422 and "project_id" in response.json()["errors"]
    assert not Event.objects.exists()
    # A desk may not plan events.
    assert Api(ew.desk).post("events", plan(ew)).status_code == 403


def test_sign_up_until_full_then_the_waiting_list_and_a_cancellation_promotes(ew):
    event = published(ew, capacity=4)
    (_u3, h3), (u4, h4), (u5, h5), (_u6, h6) = ew.households
    first = Api(ew.resident_user).post(f"events/{event.pk}/signups", {"people": 2})
    assert first.status_code == 201 and first.json()["status"] == "confirmed", first.content
    assert len(first.json()["token"]) == 12
    assert Api(h3).post(f"events/{event.pk}/signups", {"people": 2}).json()["status"] == "confirmed"
    # Signing up twice: 409.
    again = Api(ew.resident_user).post(f"events/{event.pk}/signups", {"people": 1})
    assert again.status_code == 409
    # Full: refused with the seats left, unless the household asks for the waiting list.
    full = Api(h4).post(f"events/{event.pk}/signups", {"people": 1})
    assert full.status_code == 409 and "剩余 0 个名额" in full.json()["detail"]
    waiting4 = Api(h4).post(f"events/{event.pk}/signups", {"people": 2, "waitlist": True})
    assert waiting4.json()["status"] == "waiting" and waiting4.json()["position"] == 1
    waiting5 = Api(h5).post(f"events/{event.pk}/signups", {"people": 1, "waitlist": True})
    assert waiting5.json()["position"] == 2
    # More than a household may bring, or more than the event holds: 422 on people.
    too_many = Api(h6).post(f"events/{event.pk}/signups", {"people": 3, "waitlist": True})
    assert too_many.status_code == 422 and "people" in too_many.json()["errors"]
    # The first household cancels: the first waiting one that fits (h4, two people) gets the seats.
    cancelled = Api(ew.resident_user).post(f"event-signups/{first.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    statuses = dict(EventSignup.objects.filter(event=event).values_list("unit_id", "status"))
    assert statuses[u4.pk] == "confirmed" and statuses[u5.pk] == "waiting"
    told = Notification.objects.filter(kind="events.promoted")
    assert set(told.values_list("recipient_id", flat=True)) == {h4.pk}
    assert "有了名额" in told.first().body
    # The household signs up again after its cancellation: the waiting list is first in line.
    back = Api(ew.resident_user).post(f"events/{event.pk}/signups", {"people": 1})
    assert back.status_code == 409
    figures = Api(ew.manager).get(f"events/{event.pk}/figures").json()
    assert (figures["signed_people"], figures["waiting"], figures["free"]) == (4, 1, 0)
    assert ObjectChange.objects.filter(
        content_type__model="eventsignup", action="update", source="api"
    ).exists()


def test_outside_the_window_is_422_naming_the_field(ew, monkeypatch):
    event = published(ew)
    shift(monkeypatch, datetime.timedelta(days=1, minutes=1))
    late = Api(ew.resident_user).post(f"events/{event.pk}/signups", {"people": 1})
    assert late.status_code == 422 and "signup_closes_at" in late.json()["errors"]
    monkeypatch.undo()
    import django.utils.timezone as tz

    soon = services.event_create(
        actor=ew.manager,
        data=plan(ew, signup_opens_at=tz.now() + datetime.timedelta(hours=2)),
    )
    services.event_publish(actor=ew.manager, event=soon)
    early = Api(ew.resident_user).post(f"events/{soon.pk}/signups", {"people": 1})
    assert early.status_code == 422 and "signup_opens_at" in early.json()["errors"]
    closed = services.event_close(actor=ew.manager, event=soon)
    assert Api(ew.resident_user).post(f"events/{closed.pk}/signups", {"people": 1}).status_code == 409
    # A draft is not in the portal at all.
    hidden = draft(ew)
    assert Api(ew.resident_user).post(f"events/{hidden.pk}/signups", {"people": 1}).status_code == 404


def test_attendance_at_the_door_once_walk_ins_ratings_summary_and_figures(ew, monkeypatch):
    event = published(ew, capacity=4, budget="600.00")
    (_u3, h3), *_rest = ew.households
    mine = services.signup_create(actor=ew.resident_user, event=event, people=2)
    services.signup_create(actor=h3, event=event, people=2)
    shift(monkeypatch, datetime.timedelta(days=2, minutes=5))
    guard = Api(ew.guard)
    first = guard.post("events/check-in", {"token": mine.token.lower()})
    assert first.status_code == 200 and first.json()["already"] is False, first.content
    again = guard.post("events/check-in", {"token": mine.token})
    assert again.json()["already"] is True
    assert guard.post("events/check-in", {"token": "AAAA"}).status_code == 422
    assert guard.post("events/check-in", {"token": "ABCDEFGHJKLM"}).status_code == 404
    walk = guard.post(f"events/{event.pk}/walk-ins", {"people": 3, "name": "访客王先生"})
    assert walk.status_code == 201 and walk.json()["walk_in"] is True
    # The door page on a phone: scanning opens it, the button checks in, again says "already".
    page = Client()
    page.force_login(ew.guard)
    opened = page.get(f"/events/check-in/{mine.token}/").content.decode()
    assert 'data-testid="already-checked-in"' in opened
    # Ratings come after the event was held, from households that came, once.
    assert Api(ew.resident_user).post(f"events/{event.pk}/ratings", {"stars": 5}).status_code == 409
    assert Api(ew.manager).post(f"events/{event.pk}/held").status_code == 200
    rated = Api(ew.resident_user).post(f"events/{event.pk}/ratings", {"stars": 4, "comment": "很热闹"})
    assert rated.status_code == 201, rated.content
    assert Api(ew.resident_user).post(f"events/{event.pk}/ratings", {"stars": 5}).status_code == 409
    assert Api(h3).post(f"events/{event.pk}/ratings", {"stars": 1}).status_code == 403  # did not come
    bad = Api(ew.other_resident_user).post(f"events/{event.pk}/ratings", {"stars": 9})
    assert bad.status_code == 422 and "stars" in bad.json()["errors"]
    summary = Api(ew.manager).post(
        f"events/{event.pk}/evaluate", {"summary": "到场踊跃，下次增加名额。", "actual_cost": "500.00"}
    )
    assert summary.status_code == 200 and summary.json()["status"] == "evaluated"
    figures = Api(ew.manager).get(f"events/{event.pk}/figures").json()
    assert figures["attended"] == 5 and figures["walk_ins"] == 3 and figures["rating"] == 4.0
    assert figures["cost_per_attendee"] == "100.00" and figures["budget"] == "600.00"
    # The list across events as .xlsx: exactly the page's rows, with the figures.
    web = Client()
    web.force_login(ew.manager)
    assert "到场" in web.get("/events/").content.decode()
    response = web.get("/data/export/events.xlsx")
    assert response.status_code == 200
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["活动名称"] == "中秋游园会" and row["到场人数"] == 5 and row["人均费用"] in ("100.00", 100)


def test_cancelling_the_event_tells_every_household_and_withdraws_its_notice(ew):
    event = published(ew, capacity=2)
    (_u3, h3), *_rest = ew.households
    services.signup_create(actor=ew.resident_user, event=event, people=2)
    services.signup_create(actor=h3, event=event, people=1, waitlist=True)
    refused = Api(ew.manager).post(f"events/{event.pk}/cancel", {"reason": " "})
    assert refused.status_code == 422 and "reason" in refused.json()["errors"]
    done = Api(ew.manager).post(f"events/{event.pk}/cancel", {"reason": "台风预警"})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    told = Notification.objects.filter(kind="events.cancelled", channel="in_app")
    assert set(told.values_list("recipient_id", flat=True)) == {ew.resident_user.pk, h3.pk}
    assert Notice.objects.get(pk=event.places.get().notice_id).status == "withdrawn"
    assert Api(ew.manager).post(f"events/{event.pk}/publish").status_code == 409
