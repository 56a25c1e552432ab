"""An engineering manager opens an item's edit form in Chromium, changes nothing and saves: the
contract, install and warranty dates are still there — in Chinese (the default) and in English. The
cost form on the item's page is filled with today's date and submits as it comes (issue 22, item 1).
Screenshots go to /tmp/shots/facilities-dates/."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.facilities.models import EquipmentCost
from guanjia.testing.browser import DESKTOP, PHONE, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/facilities-dates")
DATES = {
    "contract_starts": datetime.date(2026, 1, 1),
    "contract_ends": datetime.date(2026, 12, 31),
    "installed_on": datetime.date(2019, 6, 18),
    "warranty_until": datetime.date(2027, 6, 17),
}


@pytest.mark.parametrize(("language", "viewport"), [("zh-hans", DESKTOP), ("en", PHONE)])
def test_saving_the_equipment_form_unchanged_keeps_its_dates(fw, live_server, browser, language, viewport):
    pump = fw.pump
    for field, value in DATES.items():
        setattr(pump, field, value)
    pump.save()
    errors: list[str] = []
    screen = Screen(browser, live_server, fw.manager, errors, viewport=viewport, shots=SHOTS)
    screen.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = screen.page

    screen.goto(f"/facilities/equipment/{pump.pk}/edit/")
    for field, value in DATES.items():
        # What the browser's date picker holds, not just what the HTML said.
        expect(page.locator(f"#id_{field}")).to_have_value(value.isoformat())
    screen.shot(f"1-edit-{language}")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"**/facilities/equipment/{pump.pk}/")
    pump.refresh_from_db()
    assert {field: getattr(pump, field) for field in DATES} == DATES

    # The cost form below: today's date is filled in, so it submits with only an amount.
    page.locator("details:has(form[action$='/costs/']) > summary").click()
    cost_date = page.locator("#id_incurred_on")
    expect(cost_date).to_have_value(timezone.localdate().isoformat())
    page.locator("#id_amount").fill("320.00")
    screen.shot(f"2-cost-{language}")
    # The page is already at the equipment's address: wait for the post's own navigation, or the
    # check below may read the database before the cost is saved (seen under load).
    with page.expect_navigation(url=f"**/facilities/equipment/{pump.pk}/"):
        page.locator("form[action$='/costs/'] button[type=submit]").click()
    cost = EquipmentCost.objects.get(equipment=pump)
    assert cost.incurred_on == timezone.localdate() and cost.amount == Decimal("320.00")
    assert not errors
    screen.close()
