"""A fire on a 390 px phone in a real browser (Debian's Chromium through Playwright): the control
room opens the incident in seconds, acknowledges, works its ten duties; the GM sees the live page
and the HQ board. Screenshots go to /tmp/shots/emergencies/."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.emergencies.choices import Position
from guanjia.emergencies.models import Incident, Summons
from guanjia.emergencies.tests.conftest import build_ew
from guanjia.testing.browser import DESKTOP, PHONE, Screen
from guanjia.testing.world import build_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("GUANJIA_SHOTS", "/tmp/shots/emergencies"))


def test_control_room_opens_a_fire_and_works_its_checklist_on_a_phone(transactional_db, live_server, browser):
    world = build_ew(build_world())
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []

    phone = Screen(browser, live_server, world.control.user, errors, PHONE, shots=SHOTS)
    phone.goto("/emergencies/open/")
    phone.page.select_option("#id_kind", "fire")
    phone.page.select_option("#id_level", "1")
    phone.page.select_option("#id_project_id", str(world.project.pk))
    phone.page.select_option("#id_building_id", str(world.building.pk))
    phone.page.fill("#id_floor_from", "12")
    phone.page.fill("#id_description", "12楼走廊冒烟，有焦味")
    phone.shot("1-open-phone")
    phone.page.get_by_test_id("open-submit").click()
    phone.page.wait_for_url("**/emergencies/incidents/*/")
    incident = Incident.objects.get()
    expect(phone.page.get_by_test_id("chain")).to_contain_text("消防主管")
    expect(phone.page.get_by_test_id("chain")).to_contain_text("项目经理")
    phone.shot("2-incident-phone")

    phone.page.get_by_test_id("ack").click()
    expect(phone.page.get_by_test_id("ack")).to_have_count(0)
    assert Summons.objects.get(incident=incident, staff=world.control).acknowledged_at is not None
    for n in range(1, 11):
        phone.page.get_by_test_id(f"tick-{n}").click()
        expect(phone.page.get_by_test_id("my-progress")).to_have_text(f"{n}/10")
    assert not incident.checklist.filter(position=Position.CONTROL_ROOM, done_at__isnull=True).exists()
    expect(phone.page.get_by_test_id("log")).to_contain_text("根据现场总指挥的命令起降防火卷帘门")
    phone.shot("3-checklist-done-phone")

    # The GM on a desktop: the live page refreshes by itself and shows the control room's work.
    gm = Screen(browser, live_server, world.manager, errors, DESKTOP, shots=SHOTS)
    gm.goto(f"/emergencies/incidents/{incident.pk}/")
    expect(gm.page.get_by_test_id("progress")).to_contain_text("10/10")
    gm.page.locator("textarea[name=text]").fill("消防主管已到场")
    gm.page.locator("[data-testid=note-form] button").click()
    expect(phone.page.get_by_test_id("log")).to_contain_text("消防主管已到场", timeout=15_000)  # htmx polling
    gm.shot("4-incident-desktop")
    gm.goto("/emergencies/")
    expect(gm.page.get_by_test_id("open-incidents")).to_contain_text("金苑小区")
    gm.shot("5-board-desktop")
    gm.goto(f"/emergencies/posts/{world.project.pk}/")
    expect(gm.page.get_by_test_id("gaps")).to_contain_text("抢救组")
    gm.shot("6-command-post-desktop")
    phone.goto(f"/emergencies/posts/{world.project.pk}/")
    phone.shot("7-command-post-phone")
    phone.goto(f"/emergencies/plans/{world.fire.pk}/")
    phone.shot("8-plan-phone")
    assert errors == []


def test_equipment_link_drill_fire_test_and_level_form(transactional_db, live_server, browser):
    """The incident's equipment picker on a phone, the drill page with its yearly fire-system test,
    and the per-level plan form at desktop width."""
    import datetime

    from guanjia.emergencies import services
    from guanjia.facilities import services as facilities

    world = build_ew(build_world())
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    roots = facilities.types_ensure(company=world.company)
    pump = facilities.equipment_create(
        actor=world.manager,
        data={"project_id": world.project.pk, "type_id": roots["消防"].pk, "name": "3号消防泵"},
    )
    facilities.fire_plans_apply(
        actor=world.manager, project=world.project, starts_on=datetime.date.today().replace(month=1, day=1)
    )
    incident = services.incident_open(
        actor=world.control.user,
        data={"project_id": world.project.pk, "kind": "fire", "level": 1, "description": "泵房冒烟"},
    )
    phone = Screen(browser, live_server, world.control.user, errors, PHONE, shots=SHOTS)
    phone.goto(f"/emergencies/incidents/{incident.pk}/")
    picker = phone.page.get_by_test_id("equipment-picker")
    picker.select_option(str(pump.pk))
    phone.page.get_by_test_id("incident-equipment").get_by_role("button", name="关联设备").click()
    expect(phone.page.get_by_test_id("incident-equipment")).to_contain_text("3号消防泵")
    phone.page.get_by_test_id("incident-equipment").scroll_into_view_if_needed()
    phone.shot("incident-equipment-390")
    phone.goto(f"/facilities/equipment/{pump.pk}/")
    expect(phone.page.get_by_test_id("equipment-incidents")).to_contain_text(str(incident.pk))
    phone.shot("equipment-incidents-390")

    drill = services.drill_plan(
        actor=world.manager,
        data={"project_id": world.project.pk, "plan_id": world.fire.pk, "planned_for": datetime.date.today()},
    )
    assert drill.fire_test is not None
    desk = Screen(browser, live_server, world.manager, errors, DESKTOP, shots=SHOTS)
    desk.goto(f"/emergencies/drills/{drill.pk}/")
    expect(desk.page.get_by_test_id("fire-test-status")).to_be_visible()
    desk.shot("drill-fire-test-1280")
    desk.goto("/emergencies/drills/")
    expect(desk.page.get_by_test_id("drill-figures")).to_contain_text("1")
    desk.shot("drill-figures-1280")
    desk.goto(f"/emergencies/plans/{world.fire.pk}/edit/")
    desk.page.locator("#id_level_2_condition").fill("")
    desk.page.locator("form button[type=submit]").last.click()
    expect(desk.page.locator(".invalid-feedback").first).to_be_visible()
    desk.shot("plan-levels-error-1280")
    assert not [e for e in errors if "422" not in e], errors  # the bad level form is a 422 on purpose
