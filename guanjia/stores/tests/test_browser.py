"""The closing note's evidence: a technician takes the last-but-one washers for his request on his
phone, the store drops below its minimum and a purchase request is raised; the project manager finds
it on the desktop and approves it. Screenshots go to docs/screens/stores/."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.staff.models import StaffMember
from guanjia.stores.models import PurchaseRequest
from guanjia.testing.browser import DESKTOP, Screen
from guanjia.tickets.models import Ticket

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screens" / "stores"


def test_a_part_issued_to_a_request_drops_below_minimum_and_raises_a_purchase(sw, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    staff = StaffMember.objects.get(user=sw.technician)
    Ticket.objects.filter(pk=sw.ticket.pk).update(
        assignee=staff, status="dispatched", dispatched_at=timezone.now()
    )

    screen = Screen(browser, live_server, sw.technician, errors, shots=SHOTS)
    page = screen.page
    screen.goto(f"/stores/take/?ticket={sw.ticket.pk}")
    page.select_option("#id_store", str(sw.store.pk))
    page.select_option("#id_item", str(sw.washer.pk))
    page.fill("#id_quantity", "5")
    page.get_by_test_id("take-submit").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("库存不足")
    errors[:] = [e for e in errors if "422" not in e]  # the refused form answered 422 on purpose
    page.fill("#id_quantity", "2")
    page.get_by_test_id("take-submit").click()
    expect(page.get_by_text("已领用 水龙头垫片 × 2，剩余 1")).to_be_visible()
    screen.shot("1-technician-takes-parts-phone")
    screen.context.close()

    purchase = PurchaseRequest.objects.get()
    assert purchase.source == "low_stock" and purchase.status == "pending_pm"
    assert sw.ticket.materials.get().cost == 4

    screen = Screen(browser, live_server, sw.manager, errors, DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto("/stores/?below_min=on")
    expect(page.get_by_test_id("stock-table")).to_contain_text("低于最低库存")
    screen.shot("2-stock-below-minimum")
    screen.goto("/stores/purchases/?status=open")
    expect(page.get_by_test_id("purchase-table")).to_contain_text("低于最低库存自动请购")
    screen.shot("3-purchase-raised")
    page.get_by_test_id("purchase-table").get_by_role("link", name=str(purchase.pk)).click()
    page.get_by_test_id("purchase-approve").click()
    expect(page.get_by_test_id("purchase-status")).to_have_text("已批准待下单")
    screen.shot("4-purchase-approved")
    screen.context.close()
    assert not errors, errors
