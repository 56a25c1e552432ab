"""A project manager on a 390 px phone: the staff figures table sorted by a tap (htmx), a quarterly
sheet drafted, a remark saved in place, the sheet published; a resident sees the service stars.
Nothing is wider than the screen. Screenshots go to /tmp/shots/staff/."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.evaluation.choices import AwardKind, SheetStatus
from guanjia.evaluation.models import RankingSheet, StaffAward
from guanjia.staff.models import StaffMember
from guanjia.testing.browser import Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/staff")


def test_manager_reviews_the_quarter_on_a_phone(work, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    screen = Screen(browser, live_server, work.manager, errors, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/staff/figures/?project={work.project.pk}&from=2026-03-01&to=2026-03-31")
    rows = page.locator("[data-testid=staff-figures] tbody tr")
    expect(page.get_by_test_id("most-complained")).to_contain_text("维修工")
    screen.shot("1-figures")
    page.get_by_test_id("sort-handled").click()  # ascending: the technician (2 handled) last
    expect(rows.last).to_contain_text("维修工")
    page.get_by_test_id("sort-handled").click()  # descending
    expect(rows.first).to_contain_text("维修工")
    screen.shot("2-figures-sorted")

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
    screen.shot("3-sheet")
    page.get_by_test_id("do-publish").click()
    expect(page.get_by_test_id("sheet-status")).to_have_text("已发布")
    assert RankingSheet.objects.get(pk=sheet.pk).status == SheetStatus.PUBLISHED
    screen.shot("4-published")
    context.close()

    StaffAward.objects.create(
        company=work.company,
        project=work.project,
        kind=AwardKind.SERVICE_STAR,
        period="2026Q1",
        staff=StaffMember.objects.get(user=work.desk),
        citation="耐心细致，业主来信表扬",
    )
    screen = Screen(browser, live_server, work.resident_user, errors, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/portal/stars/")
    expect(page.get_by_test_id("stars")).to_contain_text("耐心细致")
    screen.shot("5-portal-stars")
    context.close()
    assert not errors, errors
