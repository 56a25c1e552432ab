"""The desk's first day, in a real browser (Debian's Chromium through Playwright), at 1280 px and on
a 390 px phone: a report sent with a double tap is one request and shows the promised time; the
follow-up list's 满意 keeps the choice; 确认收费 asks first; the resident rates as soon as the work is
done. Screenshots go to $FIRST_DAY_SHOTS (default /tmp/shots/first-day)."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.sla.services import sla_defaults_ensure
from guanjia.testing.browser import DESKTOP, PHONE, Screen
from guanjia.tickets import services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import FollowUpTask, Ticket
from guanjia.web.tests.test_ticket_browser import ticket_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("FIRST_DAY_SHOTS", "/tmp/shots/first-day"))


def screen(browser, live_server, user, errors, viewport):
    return Screen(browser, live_server, user, errors, viewport=viewport, shots=SHOTS)


def act(user, ticket, action, **data):
    return services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def test_first_day_at_the_desk_and_on_the_phone(transactional_db, live_server, browser):
    world = ticket_world()
    sla_defaults_ensure(company=world.company)
    errors: list[str] = []

    # The resident taps 提交 twice: one request, with the promised time on it.
    resident = screen(browser, live_server, world.resident_user, errors, PHONE)
    resident.goto("/portal/report/")
    resident.page.fill("#id_description", "卫生间下水堵了，水漫出来了")
    resident.page.get_by_test_id("report-submit").dblclick()
    resident.page.wait_for_url("**/portal/tickets/*/")
    expect(resident.page.get_by_test_id("promise")).to_contain_text("承诺 15 分钟内上门")
    resident.shot("1-reported-promise-390")
    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    # The desk sees the same promise on the request.
    butler = screen(browser, live_server, world.butler, errors, DESKTOP)
    butler.goto(f"/tickets/{ticket.pk}/")
    expect(butler.page.get_by_test_id("promise")).to_contain_text("承诺 15 分钟内上门")
    butler.shot("1-desk-promise-1280")

    # The work is done, with a charge; the call-back is due now.
    act(world.butler, ticket, Action.DISPATCH, assignee_id=world.technician_staff.pk)
    act(world.technician, ticket, Action.ACCEPT)
    act(world.technician, ticket, Action.ARRIVE)
    act(
        world.technician,
        ticket,
        Action.COMPLETE,
        resolution="疏通下水管",
        charges=[{"description": "疏通", "quantity": "1", "unit_price": "50.00"}],
    )
    FollowUpTask.objects.filter(ticket=ticket).update(scheduled_for=timezone.now())

    # The resident, from the "completed" notification's page, rates at once.
    resident.goto(f"/portal/tickets/{ticket.pk}/?action=rate")
    form = resident.page.locator("[data-action-form=rate] form")
    expect(form).to_be_visible()
    form.locator("label:has(input[value='4'])").click()
    form.locator("input[name='rate-comment']").fill("很快就来了")
    resident.shot("2-rate-at-once-390")
    form.locator("[data-submit=rate]").click()
    expect(resident.page.get_by_test_id("rating")).to_contain_text("4/5")
    expect(resident.page.get_by_test_id("timeline")).to_contain_text("您已评价，我们还会回访")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.COMPLETED  # the call-back still comes

    # The butler at the desk: 满意 on the follow-up list keeps the choice …
    butler.goto("/tickets/followups/")
    butler.shot("3-followups-1280")
    butler.page.locator(f"[data-ticket='{ticket.number}'] [data-action=satisfied]").click()
    form = butler.page.locator("[data-action-form=follow_up] form")
    expect(form.locator("input[name='follow_up-satisfied'][value='1']")).to_be_checked()
    butler.shot("4-follow-up-kept-1280")

    # … and 确认收费, right above, asks first: "cancel" changes nothing.
    questions = []
    butler.page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    butler.page.locator("[data-action=confirm_charges]").click()
    assert questions and "确认收费" in questions[0]
    assert Ticket.objects.get(pk=ticket.pk).charges_confirmed_at is None
    butler.page.once("dialog", lambda d: d.accept())
    butler.page.locator("[data-action=confirm_charges]").click()
    butler.page.wait_for_load_state()
    expect(butler.page.get_by_test_id("ticket-head")).to_be_visible()
    assert Ticket.objects.get(pk=ticket.pk).charges_confirmed_at is not None

    # The call-back: satisfied, and the resident had rated already → closed, both kept.
    butler.goto(f"/tickets/{ticket.pk}/?action=follow_up&satisfied=1")
    form = butler.page.locator("[data-action-form=follow_up] form")
    form.locator("label:has(input[value='5'])").click()
    form.locator("[data-submit=follow_up]").click()
    expect(butler.page.get_by_test_id("ticket-status")).to_contain_text("已关闭")
    expect(butler.page.get_by_test_id("rating")).to_contain_text("4/5")
    butler.shot("5-closed-both-kept-1280")

    resident.goto(f"/portal/tickets/{ticket.pk}/")
    expect(resident.page.get_by_test_id("follow-up")).to_contain_text("满意")
    resident.shot("6-closed-both-kept-390")
    for s in (resident, butler):
        s.close()
    assert not errors, errors
