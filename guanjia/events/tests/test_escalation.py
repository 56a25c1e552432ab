"""The closed loop: an event past its end that nobody marked held and summed up shows in the
organiser's list and climbs the ladder (organiser after a day, project manager after three), each
step once however often the job runs."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.events import services
from guanjia.events.escalation import escalate_events
from guanjia.events.models import Event, EventEscalation
from guanjia.events.tests.conftest import published
from guanjia.notifications.models import Notification
from guanjia.staff.models import StaffMember

pytestmark = pytest.mark.django_db


def test_a_late_event_climbs_once_per_step_and_stops_when_summed_up(ew, monkeypatch):
    event = published(ew)
    end = event.ends_at
    assert escalate_events(now=end + datetime.timedelta(hours=23)) == 0
    assert escalate_events(now=end + datetime.timedelta(days=1, minutes=1)) == 1
    assert escalate_events(now=end + datetime.timedelta(days=1, minutes=2)) == 0  # again: nothing
    organiser = StaffMember.objects.get(pk=event.organiser_id).user
    told = Notification.objects.filter(kind="events.overdue", channel="in_app")
    assert list(told.values_list("recipient_id", flat=True)) == [organiser.pk]
    # It is in the organiser's work: the list says so and filters it.
    web = Client()
    web.force_login(organiser)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=2),
    )
    page = web.get("/events/", {"todo": "late"}).content.decode()
    assert 'data-testid="events-late"' in page and event.title in page
    assert escalate_events(now=end + datetime.timedelta(days=3, minutes=1)) == 1
    assert set(EventEscalation.objects.filter(event=event).values_list("step", flat=True)) == {1, 2}
    assert told.count() == 2  # the project manager is the organiser here (world.manager)


def test_an_event_summed_up_in_time_never_escalates(ew, monkeypatch):
    from guanjia.events.tests.conftest import shift

    event = published(ew)
    shift(monkeypatch, datetime.timedelta(days=2, hours=4))
    services.event_held(actor=ew.manager, event=event)
    services.event_evaluate(actor=ew.manager, event=event, summary="圆满", actual_cost="0")
    assert escalate_events(now=event.ends_at + datetime.timedelta(days=5)) == 0
    assert not EventEscalation.objects.exists()
