"""A technician at the pump room on a 390 px phone: opens the item's QR URL, starts the weekly check,
marks one line failed, enters an out-of-range reading, adds a photo and submits; the failure becomes
a repair request. A patroller scans a checkpoint. Screenshots go to /tmp/shots/facilities/."""

import datetime
import io
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.facilities import services
from guanjia.facilities.choices import EquipmentStatus, TaskStatus
from guanjia.facilities.models import MaintenanceTask, PatrolRound, PatrolRoute
from guanjia.facilities.services import common
from guanjia.testing.browser import DESKTOP, Screen
from guanjia.tickets.choices import Channel
from guanjia.tickets.models import Ticket

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/facilities")


def _png(path):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 40)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_technician_scans_the_qr_and_completes_the_task_on_a_phone(fw, live_server, browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    services.plan_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "消防泵房每周检查",
            "equipment_id": fw.pump.pk,
            "frequency": "weekly",
            "starts_on": datetime.date.today(),
            "checklist": [
                {"text": "消火栓泵、喷淋泵外观", "expected": "无渗漏、无锈蚀"},
                {"text": "控制柜处于自动状态", "expected": "自动"},
                {"text": "出水管压力", "kind": "reading", "unit": "MPa", "min": "0.30", "max": "0.80"},
            ],
        },
    )
    task = MaintenanceTask.objects.get()
    screen = Screen(browser, live_server, fw.technician, errors, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/facilities/q/{fw.pump.qr_token}/")
    expect(page.get_by_test_id("equipment-name")).to_have_text("1栋消防泵房")
    expect(page.get_by_test_id("scanned")).to_be_visible()
    screen.shot("1-qr-phone-page")
    page.get_by_test_id("start-task").click()
    page.wait_for_url(f"**/facilities/tasks/{task.pk}/")
    form = page.get_by_test_id("task-form")
    form.locator("label[for=pass_1]").click()
    form.locator("label[for=fail_2]").click()
    form.locator("input[name=note_2]").fill("控制柜在手动状态，自动切换失灵")
    form.locator("input[name=reading_3]").fill("0.95")
    page.set_input_files("#photos", _png(tmp_path / "pump.png"))
    screen.shot("2-task-form")
    page.get_by_test_id("complete-task").click()
    page.wait_for_url(f"**/facilities/tasks/{task.pk}/")
    expect(page.get_by_test_id("task-results")).to_contain_text("不合格")
    expect(page.get_by_test_id("task-repairs")).to_be_visible()
    screen.shot("3-task-done")

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.failed_lines == 2 and task.scanned_by == fw.technician
    assert task.photos.count() == 1
    # Two faults (the cabinet left on manual, the pressure too high): a work order each.
    tickets = list(Ticket.objects.order_by("id"))
    assert len(tickets) == 2 and {t.channel for t in tickets} == {Channel.MAINTENANCE}
    fw.pump.refresh_from_db()
    assert fw.pump.status == EquipmentStatus.FAULTY
    page.goto(f"{live_server.url}/facilities/equipment/{fw.pump.pk}/")
    for ticket in tickets:
        expect(page.get_by_test_id("repairs")).to_contain_text(ticket.number)
    screen.shot("4-equipment-faulty")
    context.close()

    # The supervisor's view at desktop width: the ledger and the plans.
    screen = Screen(browser, live_server, fw.manager, errors, DESKTOP, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/facilities/equipment/")
    expect(page.get_by_test_id("equipment-table")).to_contain_text("1栋消防泵房")
    screen.shot("5-ledger-1280")
    page.goto(f"{live_server.url}/facilities/plans/")
    screen.shot("6-plans-1280")
    context.close()
    assert not errors, errors


def test_patroller_scans_a_checkpoint_on_a_phone(fw, live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    now = common._now()
    # The route's own round twelve hours away: at 22:xx a 22:00 round would be the one open for
    # scanning, not the round made below.
    far = (timezone.localtime(now) + datetime.timedelta(hours=12)).strftime("%H:00")
    route = services.route_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "夜间巡更",
            "department": "security",
            "round_times": far,
            "checkpoints": [{"name": "东门岗", "place": "东门"}, {"name": "地下车库", "place": "B1"}],
        },
    )
    patrol = PatrolRound.objects.create(
        company=fw.company,
        project=fw.project,
        route=route,
        window_start=now - datetime.timedelta(minutes=5),
        window_end=now + datetime.timedelta(minutes=55),
        checkpoint_count=2,
    )
    gate = route.checkpoints.get(position=1)
    screen = Screen(browser, live_server, fw.guard, errors, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/facilities/p/{gate.qr_token}/")
    page.get_by_test_id("scan-checkpoint").click()
    page.wait_for_url(f"**/facilities/rounds/{patrol.pk}/")
    expect(page.get_by_test_id("round-checkpoints")).to_contain_text("东门岗")
    screen.shot("7-patrol-round")
    assert patrol.scans.get().checkpoint == gate
    context.close()
    assert not errors, errors


def test_supervisor_reorders_a_route_and_watches_today_on_a_phone(fw, live_server, browser):
    """A security head moves a checkpoint up (no-JS buttons), drags one (the JS), then opens 今日巡查,
    which refreshes itself; at 390 px and 1280 px nothing is wider than the screen."""
    from guanjia.facilities.tests.test_patrols import night_route

    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    route = night_route(fw)
    services.route_update(actor=fw.manager, route=route, data={"round_times": "00:00,00:05"})
    PatrolRoute.objects.filter(pk=route.pk).update(rounds_from=common._now() - datetime.timedelta(days=2))
    services.generate_rounds()
    services.close_rounds(now=common._now() + datetime.timedelta(days=1))  # today's past rounds: missed
    screen = Screen(browser, live_server, fw.manager, errors, shots=SHOTS)
    context, page = screen.context, screen.page
    page.goto(f"{live_server.url}/facilities/patrol/{route.pk}/")
    items = page.get_by_test_id("checkpoints").locator("li")
    expect(items.nth(2)).to_contain_text("1栋大堂")
    items.nth(2).locator("button[aria-label='上移']").click()
    expect(page.get_by_test_id("checkpoints").locator("li").nth(1)).to_contain_text("1栋大堂")
    screen.shot("route-edit-390")
    items = page.get_by_test_id("checkpoints").locator("li")
    items.nth(2).drag_to(items.nth(0))
    expect(page.get_by_text("已更新巡查点顺序")).to_be_visible()
    names = list(route.checkpoints.filter(is_active=True).order_by("position").values_list("name", flat=True))
    assert names[0] == "地库入口", names
    page.goto(f"{live_server.url}/facilities/patrol/today/")
    expect(page.get_by_test_id("missed-by-route")).to_contain_text("夜间巡更")
    assert page.locator("#patrol-today[hx-trigger='every 30s']").count() == 1
    screen.shot("patrol-today-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    screen.shot("patrol-today-1280")
    page.goto(f"{live_server.url}/facilities/costs/")
    screen.shot("costs-1280")
    context.close()
    assert not errors, errors
