"""The desk's everyday path in a real browser (Debian's Chromium through Playwright):
log in, find a resident by phone, open their unit — at desktop width and on a 390 px phone."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from guanjia.testing import factories as f
from guanjia.testing.browser import BROWSER_TIMEOUT_MS, Screen, full_page_screenshot
from guanjia.testing.world import build_world

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(settings.PROJECT_DIR) / "var" / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("label", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_desk_finds_resident_by_phone_and_opens_unit(
    transactional_db, live_server, browser, label, width, height
):
    world = build_world()
    desk_name = world.desk.username
    phone = world.resident.phone
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []

    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(BROWSER_TIMEOUT_MS)

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", desk_name)
    page.fill("#id_password", f.PASSWORD)
    full_page_screenshot(page, ARTIFACTS / f"{label}-1-login.png")
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_test_id("user-name").count() == 1
    full_page_screenshot(page, ARTIFACTS / f"{label}-2-home.png")

    # The menu: collapsed behind the toggler on a phone.
    if width < 1200:  # the bar collapses below Bootstrap's xl
        assert not page.locator("#main-nav").is_visible()
        page.click(".navbar-toggler")
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
        full_page_screenshot(page, ARTIFACTS / f"{label}-3-menu.png")
    # Master data sits in one dropdown, so the desktop menu stays on one line.
    page.click("[data-testid=nav-master-data]")
    page.click("#main-nav a.dropdown-item:has-text('住户')")
    page.wait_for_url(f"{live_server.url}/residents/")
    rows = page.locator("[data-testid=resident-table] tbody tr")
    assert rows.count() == 2

    # Live filtering: typing the full number narrows the table without a page load.
    page.fill("#id_q", phone)
    expect(rows).to_have_count(1)
    assert world.resident.name in rows.first.inner_text()
    assert phone not in rows.first.inner_text()  # masked in the list
    full_page_screenshot(page, ARTIFACTS / f"{label}-4-residents.png")

    page.click(f"text={world.resident.name}")
    page.wait_for_url(f"{live_server.url}/residents/{world.resident.pk}/")
    page.get_by_test_id("reveal-phone").click()
    page.get_by_test_id("phone-full").wait_for()
    assert page.get_by_test_id("phone-full").inner_text().strip() == phone
    full_page_screenshot(page, ARTIFACTS / f"{label}-5-resident.png")

    page.get_by_test_id("occupancy-unit").first.click()
    page.wait_for_url(f"{live_server.url}/units/{world.unit.pk}/")
    assert "1201" in page.get_by_test_id("unit-info").inner_text()
    page.click("#tab-history")
    expect(page.locator("#pane-history")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#pane-history")).to_contain_text("创建")
    page.wait_for_timeout(400)  # let the tab's fade-in finish before the screenshot
    full_page_screenshot(page, ARTIFACTS / f"{label}-6-unit.png")

    # Nothing wider than the screen except inside scrolling tables.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the {width}px viewport"
    assert not errors, errors
    page.close()


def test_the_bar_stays_on_one_line_for_someone_who_sees_every_menu(transactional_db, live_server, browser):
    """The company administrator sees every module's menu. From Bootstrap's xl (1200 px) up the bar is
    one line, in Chinese and in English (whose words are longer), and nothing is wider than the screen;
    the admin site is in the person menu."""
    world = build_world()
    world.admin.is_staff = True
    world.admin.save()
    errors: list[str] = []
    screen = Screen(browser, live_server, world.admin, errors, {"width": 1200, "height": 900})
    menus = screen.page.locator("#main-nav .nav-link.dropdown-toggle")
    assert menus.count() >= 7  # quality, facilities, emergencies, fees, feedback, records, the person
    for language in ("zh-hans", "en"):
        screen.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for width in (1200, 1440):
            screen.page.set_viewport_size({"width": width, "height": 900})
            screen.goto("/")
            height = screen.page.evaluate(
                "document.querySelector('nav.navbar').getBoundingClientRect().height"
            )
            assert height < 70, f"{language} at {width}px: the bar is {height}px high (wrapped)"
            screen.shot(f"bar-{language}-{width}")
    screen.page.get_by_test_id("user-menu").click()
    expect(screen.page.get_by_test_id("nav-admin")).to_be_visible()
    assert not errors, errors
