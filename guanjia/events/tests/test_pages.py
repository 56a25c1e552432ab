"""The console's and the portal's pages: planning on the web with errors on the form's fields, the
event's page and its actions, a household's sign-up and rating in the portal, the door page."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.events import services
from guanjia.events.models import Event, EventRating
from guanjia.events.tests.conftest import published, shift

pytestmark = pytest.mark.django_db


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_planning_on_the_web_then_publishing_from_the_events_page(ew):
    web = Client()
    web.force_login(ew.manager)
    assert 'data-testid="nav-events"' in web.get("/events/").content.decode()
    now = timezone.now()
    form = {
        "title": "便民服务日",
        "kind": "service_day",
        "project_id": ew.project.pk,
        "place": "中心广场",
        "starts_at": _local(now + datetime.timedelta(days=3)),
        "ends_at": _local(now + datetime.timedelta(days=3, hours=3)),
        "capacity": 30,
        "max_per_household": 2,
        "signup_opens_at": _local(now),
        "signup_closes_at": _local(now + datetime.timedelta(days=2)),
        "budget": "1200",
        "organiser_id": Event._meta.get_field("organiser").related_model.objects.get(user=ew.manager).pk,
    }
    refused = web.post("/events/new/", form)
    assert refused.status_code == 422 and 'data-field="services"' in refused.content.decode()
    assert not Event.objects.exists()
    saved = web.post("/events/new/", {**form, "services": ["knife", "recycling"]})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    event = Event.objects.get()
    web.post(f"/events/{event.pk}/publish/")
    event.refresh_from_db()
    assert event.status == "published"
    page = web.get(f"/events/{event.pk}/").content.decode()
    assert 'data-testid="event-notice"' in page and "磨刀、旧物回收" in page
    # Residents find it in the 生活服务 menu.
    portal = Client()
    portal.force_login(ew.resident_user)
    assert 'data-testid="nav-portal-events"' in portal.get("/portal/events/").content.decode()


def test_a_household_signs_up_and_rates_in_the_portal_and_the_door_page_checks_in(ew, monkeypatch):
    event = published(ew, capacity=2)
    portal = Client()
    portal.force_login(ew.resident_user)
    response = portal.post(f"/portal/events/{event.pk}/", {"unit_id": ew.unit.pk, "people": 2})
    assert response.status_code == 302
    page = portal.get(f"/portal/events/{event.pk}/").content.decode()
    assert 'data-testid="my-qr"' in page and "<svg" in page
    signup = event.signups.get()
    # Full: the next household is offered the waiting list, and a plain sign-up is refused on the form.
    (_u3, h3), *_rest = ew.households
    other = Client()
    other.force_login(h3)
    assert 'data-testid="signup-waitlist"' in other.get(f"/portal/events/{event.pk}/").content.decode()
    refused = other.post(f"/portal/events/{event.pk}/", {"unit_id": _u3.pk, "people": 1})
    assert refused.status_code == 422 and "名额已满" in refused.content.decode()
    shift(monkeypatch, datetime.timedelta(days=2, minutes=1))
    door = Client()
    door.force_login(ew.guard)
    opened = door.get(f"/events/check-in/{signup.token}/").content.decode()
    assert 'data-testid="check-in-confirm"' in opened
    done = door.post("/events/check-in/", {"token": signup.token}).content.decode()
    assert 'data-testid="checked-in"' in done
    again = door.post("/events/check-in/", {"token": signup.token}).content.decode()
    assert 'data-testid="already-checked-in"' in again
    services.event_held(actor=ew.manager, event=event)
    assert 'data-testid="rating-form"' in portal.get(f"/portal/events/{event.pk}/").content.decode()
    portal.post(f"/portal/events/{event.pk}/rate/", {"stars": 5, "comment": "好"})
    assert EventRating.objects.get(event=event).stars == 5
    assert 'data-testid="rated"' in portal.get(f"/portal/events/{event.pk}/").content.decode()
