"""A project manager on a 390 px phone: the staff figures table sorted by a tap (htmx), a quarterly
sheet drafted, a remark saved in place, the sheet published; a resident sees the service stars.
Nothing is wider than the screen. Screenshots go to /tmp/shots/staff/."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.staff.choices import AwardKind, SheetStatus
from guanjia.staff.models import RankingSheet, StaffAward, StaffMember
from guanjia.testing import factories as f
from guanjia.web.tests.test_browser import browser  # noqa: F401  (the browser fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots/staff")


def _phone(browser, live_server, user, errors):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def _shot(page, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name}: page is {overflow}px wider than the screen"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_manager_reviews_the_quarter_on_a_phone(work, live_server, browser):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    context, page = _phone(browser, live_server, work.manager, errors)
    page.goto(f"{live_server.url}/staff/figures/?project={work.project.pk}&from=2026-03-01&to=2026-03-31")
    rows = page.locator("[data-testid=staff-figures] tbody tr")
    expect(page.get_by_test_id("most-complained")).to_contain_text("维修工")
    _shot(page, "1-figures")
    page.get_by_test_id("sort-handled").click()  # ascending: the technician (2 handled) last
    expect(rows.last).to_contain_text("维修工")
    page.get_by_test_id("sort-handled").click()  # descending
    expect(rows.first).to_contain_text("维修工")
    _shot(page, "2-figures-sorted")

    page.goto(f"{live_server.url}/staff/rankings/")
    page.select_option("#id_project", str(work.project.pk))
    page.select_option("#id_quarter", "2026Q1")
    page.get_by_test_id("do-draft").click()
    page.wait_for_url(lambda url: "/staff/rankings/" in url and url.rstrip("/").split("/")[-1].isdigit())
    sheet = RankingSheet.objects.get(project=work.project, quarter="2026Q1")
    tech_row = page.locator("[data-testid=ranking-rows] tbody tr", has_text="维修工").filter(
        has_text="被投诉最多"
    )
    tech_row.locator("input[name=remark]").fill("已面谈，下季度跟进")
    tech_row.locator("button[type=submit]").click()
    expect(
        page.locator("[data-testid=ranking-rows] tbody tr", has_text="维修工")
        .filter(has_text="被投诉最多")
        .locator("button")
    ).to_have_text("✓")
    _shot(page, "3-sheet")
    page.get_by_test_id("do-publish").click()
    expect(page.get_by_test_id("sheet-status")).to_have_text("已发布")
    assert RankingSheet.objects.get(pk=sheet.pk).status == SheetStatus.PUBLISHED
    _shot(page, "4-published")
    context.close()

    StaffAward.objects.create(
        company=work.company,
        project=work.project,
        kind=AwardKind.SERVICE_STAR,
        period="2026Q1",
        staff=StaffMember.objects.get(user=work.desk),
        citation="耐心细致，业主来信表扬",
    )
    context, page = _phone(browser, live_server, work.resident_user, errors)
    page.goto(f"{live_server.url}/portal/stars/")
    expect(page.get_by_test_id("stars")).to_contain_text("耐心细致")
    _shot(page, "5-portal-stars")
    context.close()
    assert not errors, errors
