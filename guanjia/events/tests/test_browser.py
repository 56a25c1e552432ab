"""On 390 px phones: a household signs up for the last places, the next household joins the waiting
list, the first cancels and the waiting household is promoted (its QR appears); the guard scans the QR
at the door (once; again says "already"); the manager's page shows the figures. Screenshots go to
$EVENTS_SHOTS (default /tmp/shots/events)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.events.models import EventSignup
from guanjia.events.tests.conftest import published
from guanjia.notifications.models import Notification
from guanjia.testing.browser import DESKTOP, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("EVENTS_SHOTS", "/tmp/shots/events"))


def test_sign_up_until_full_wait_and_be_promoted_then_check_in_at_the_door(ew, live_server, browser):
    errors: list[str] = []
    event = published(
        ew,
        title="周末便民服务日",
        kind="service_day",
        services=["knife", "appliance", "recycling"],
        capacity=2,
        max_per_household=2,
    )
    (_u3, second_household), *_rest = ew.households

    first = Screen(browser, live_server, ew.resident_user, errors, shots=SHOTS)
    first.goto("/portal/events/")
    expect(first.page.get_by_test_id("portal-event")).to_have_count(1)
    first.shot("phone-1-events")
    first.page.get_by_test_id("portal-event").click()
    first.page.select_option("#id_people", "2")
    first.page.get_by_test_id("signup-submit").click()
    expect(first.page.get_by_test_id("my-qr")).to_be_visible()
    expect(first.page.get_by_test_id("portal-seats")).to_contain_text("2/2")
    first.shot("phone-2-signed-up-full")

    second = Screen(browser, live_server, second_household, errors, shots=SHOTS)
    second.goto(f"/portal/events/{event.pk}/")
    second.page.get_by_test_id("signup-waitlist").click()
    mine = second.page.get_by_test_id("my-signup")
    expect(mine).to_have_attribute("data-status", "waiting")
    expect(mine).to_contain_text("第 1 位")
    second.shot("phone-3-waiting-list")

    first.page.once("dialog", lambda dialog: dialog.accept())
    first.page.get_by_test_id("my-cancel").click()
    expect(first.page.get_by_test_id("my-signup")).to_have_count(0)
    first.shot("phone-4-cancelled")
    first.close()

    assert Notification.objects.filter(kind="events.promoted", recipient=second_household).exists()
    second.goto(f"/portal/events/{event.pk}/")
    expect(second.page.get_by_test_id("my-signup")).to_have_attribute("data-status", "confirmed")
    expect(second.page.get_by_test_id("my-qr")).to_be_visible()
    second.shot("phone-5-promoted-with-qr")
    second.close()

    token = EventSignup.objects.get(event=event, status="confirmed").token
    guard = Screen(browser, live_server, ew.guard, errors, shots=SHOTS)
    guard.goto(f"/events/check-in/{token}/")
    guard.page.get_by_test_id("check-in-confirm").click()
    expect(guard.page.get_by_test_id("checked-in")).to_be_visible()
    guard.shot("phone-6-door-checked-in")
    guard.page.fill("#id_token", token.lower())
    guard.page.get_by_test_id("check-in-submit").click()
    expect(guard.page.get_by_test_id("already-checked-in")).to_be_visible()
    guard.shot("phone-7-door-already")
    guard.close()

    desk = Screen(browser, live_server, ew.manager, errors, viewport=DESKTOP, shots=SHOTS)
    desk.goto(f"/events/{event.pk}/")
    expect(desk.page.get_by_test_id("fig-attended")).to_have_text("1")
    desk.shot("desktop-event")
    desk.goto("/events/")
    desk.shot("desktop-events")
    desk.close()
    assert not errors, errors
