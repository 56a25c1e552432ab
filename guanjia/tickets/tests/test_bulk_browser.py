"""The desk ticks every request of the page with one box and sends them all to one technician, in a
real browser at 1280 px; the list with its bulk bar fits a 390 px phone. Screenshots go to
$FIRST_DAY_SHOTS (default /tmp/shots/first-day)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.testing.browser import DESKTOP, PHONE, Screen
from guanjia.tickets import services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import Ticket
from guanjia.web.tests.test_ticket_browser import ticket_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("FIRST_DAY_SHOTS", "/tmp/shots/first-day"))


def test_select_all_on_the_page_then_dispatch_them_all(transactional_db, live_server, browser):
    world = ticket_world()
    received = [
        services.ticket_create(
            actor=world.desk,
            data={
                "kind": "home_repair",
                "unit_id": world.unit.pk,
                "category_id": world.leak.pk,
                "description": f"漏水{n}",
            },
        )
        for n in range(3)
    ]
    closed = services.ticket_act(
        actor=world.desk,
        ticket=services.ticket_create(
            actor=world.desk,
            data={"kind": "inquiry", "unit_id": world.unit.pk, "description": "已撤回的报事"},
        ),
        action=Action.CANCEL,
        data={"reason": "业主撤回"},
    )
    errors: list[str] = []

    phone = Screen(browser, live_server, world.desk, errors, viewport=PHONE, shots=SHOTS)
    phone.goto("/tickets/")
    expect(phone.page.get_by_test_id("bulk-bar")).to_be_visible()
    phone.shot("7-bulk-bar-390")
    phone.close()

    desk = Screen(browser, live_server, world.desk, errors, viewport=DESKTOP, shots=SHOTS)
    desk.goto("/tickets/")
    desk.page.locator("[data-select-all]").check()
    expect(desk.page.locator('input[name="ids"]:checked')).to_have_count(4)
    desk.page.select_option("#bulk-action", "dispatch")
    desk.page.select_option("#bulk-assignee", str(world.technician_staff.pk))
    desk.page.get_by_test_id("bulk-bar").locator("button[type=submit]").click()
    expect(desk.page.get_by_test_id("bulk-summary")).to_have_text("已派工 3 条，未执行 1 条")
    expect(desk.page.get_by_test_id("bulk-problems")).to_contain_text(closed.number)
    desk.shot("8-bulk-result-1280")
    desk.page.get_by_test_id("bulk-back").click()
    desk.page.wait_for_url("**/tickets/")
    desk.close()

    assert {t.status for t in Ticket.objects.filter(pk__in=[t.pk for t in received])} == {Status.DISPATCHED}
    assert not errors, errors
