"""A manager drafts a water outage for one building on a desktop and publishes it; a resident reads it
on a 390 px phone and finds the butler's card; the butler sees on a phone who has not read it yet.
Screenshots go to $NOTICES_SHOTS (default /tmp/shots/notices; docs/screens/notices/ in the repository)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.notices import services
from guanjia.notices.models import Notice
from guanjia.notices.tests.conftest import published
from guanjia.staff.models import StaffMember
from guanjia.testing.browser import DESKTOP, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("NOTICES_SHOTS", "/tmp/shots/notices"))


def test_an_outage_notice_from_draft_to_the_butlers_unread_list(nw, live_server, browser):
    errors: list[str] = []
    services.card_save(
        actor=nw.manager,
        staff=StaffMember.objects.get(user=nw.butler),
        data={
            "title": "楼栋管家",
            "phone": "13800000001",
            "hours": "每天 8:30-18:00",
            "intro": "1栋的事找我",
        },
    )
    services.card_save(
        actor=nw.manager,
        staff=StaffMember.objects.get(user=nw.desk),
        data={"title": "客服前台", "phone": "0571-88886000", "hours": "24 小时"},
    )
    published(nw.admin, kind="rules", title="《装修管理规定》", project_id=None, pinned=True)
    published(nw.manager, title="本周末绿化修剪", project_id=nw.project.pk)

    screen = Screen(browser, live_server, nw.manager, errors, viewport=DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto("/notices/new/")
    page.select_option("#id_kind", "outage_water")
    page.fill("#id_title", "1栋今日 13:00-17:00 停水通知")
    page.fill("#id_body", "因二次供水水箱清洗，今日 13:00-17:00 停水，请提前储水。")
    page.select_option("#id_project_id", str(nw.project.pk))
    expect(page.locator("#id_building_id option", has_text="1栋")).to_have_count(1)
    # The manager's only project was already chosen, so re-choosing it sends a request while the
    # options are already there: a choice made meanwhile must survive the swap (web/app.js).
    page.select_option("#id_building_id", str(nw.building.pk))
    expect(page.locator("#id_project_id.htmx-request")).to_have_count(0)
    expect(page.locator("#id_building_id")).to_have_value(str(nw.building.pk))
    screen.shot("desktop-form")
    page.get_by_test_id("notice-save").click()
    page.get_by_test_id("notice-publish").click()
    expect(page.get_by_test_id("read-stats")).to_be_visible()
    notice = Notice.objects.get(kind="outage_water")
    assert notice.status == "published" and notice.building_id == nw.building.pk
    screen.context.close()

    resident = Screen(browser, live_server, nw.resident_user, errors, shots=SHOTS)
    resident.goto("/portal/notices/")
    expect(resident.page.get_by_test_id("unread-dot")).to_have_count(3)
    resident.shot("phone-portal-list")
    resident.page.get_by_text("1栋今日 13:00-17:00 停水通知").click()
    expect(resident.page.get_by_test_id("portal-notice-detail")).to_contain_text("请提前储水")
    resident.shot("phone-portal-detail")
    resident.goto("/portal/team/")
    expect(resident.page.get_by_test_id("my-butlers")).to_contain_text("1栋管家")
    resident.shot("phone-portal-team")
    resident.context.close()

    butler = Screen(browser, live_server, nw.butler, errors, shots=SHOTS)
    butler.goto(f"/notices/{notice.pk}/unread/")
    expect(butler.page.get_by_test_id("unread-unit")).to_have_count(1)  # 1202; 1201 has read it
    butler.page.get_by_test_id("reveal-phone").first.click()
    expect(butler.page.get_by_test_id("phone-tel")).to_be_visible()
    butler.shot("phone-unread")
    butler.context.close()

    desk = Screen(browser, live_server, nw.manager, errors, viewport=DESKTOP, shots=SHOTS)
    desk.goto(f"/notices/{notice.pk}/")
    expect(desk.page.get_by_test_id("read-count")).to_have_text("1")
    desk.shot("desktop-detail")
    desk.goto("/notices/")
    desk.shot("desktop-list")
    desk.goto("/notices/calendar/")
    expect(desk.page.get_by_test_id("calendar-notice").first).to_be_visible()
    desk.shot("desktop-calendar")
    desk.context.close()
    assert not errors, errors
