"""A cleaner of the contractor on a 390 px phone opens a lobby's QR URL, starts the day's cleaning,
ticks the checklist, adds a photo and submits; the environment supervisor accepts it on a phone;
the manager's task list shows the cleaning week by discipline. Screenshots go to
/tmp/shots/facilities-areas/."""

import io
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.facilities import services
from guanjia.facilities.choices import CheckResult, Discipline, TaskStatus
from guanjia.facilities.models import MaintenanceTask
from guanjia.testing.browser import DESKTOP, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/facilities-areas")


def _png(path):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (220, 220, 210)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_cleaner_does_a_lobby_task_on_a_phone_and_the_supervisor_accepts_it(
    ew, live_server, browser, tmp_path
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    services.plan_create(
        actor=ew.manager,
        data={
            "project_id": ew.project.pk,
            "name": "大堂日常保洁",
            "discipline": Discipline.CLEANING,
            "area_id": ew.lobby1.pk,
            "frequency": "daily",
            "starts_on": timezone.localdate(),
            "assignee_id": ew.cleaner.pk,
            "contractor": "洁美保洁",
            "checker_id": ew.env_head.pk,
            "checklist": [
                {"text": "地面清扫湿拖", "expected": "无垃圾、无水渍"},
                {"text": "玻璃门、信报箱擦拭", "expected": "无手印"},
            ],
        },
    )
    task = MaintenanceTask.objects.get(period_start=timezone.localdate())
    screen = Screen(browser, live_server, ew.cleaner.user, errors, shots=SHOTS)
    page = screen.page
    screen.goto(f"/facilities/a/{ew.lobby1.qr_token}/")
    expect(page.get_by_test_id("area-name")).to_have_text("1栋大堂")
    expect(page.get_by_test_id("scanned")).to_be_visible()
    screen.shot("1-area-qr-phone")
    page.get_by_test_id("start-task").click()
    page.wait_for_url(f"**/facilities/tasks/{task.pk}/")
    form = page.get_by_test_id("task-form")
    form.locator("label[for=pass_1]").click()
    form.locator("label[for=pass_2]").click()
    page.set_input_files("#photos", _png(tmp_path / "lobby.png"))
    screen.shot("2-cleaning-checklist")
    page.get_by_test_id("complete-task").click()
    page.wait_for_url(f"**/facilities/tasks/{task.pk}/")
    expect(page.get_by_test_id("task-results")).to_contain_text("合格")
    expect(page.get_by_test_id("check-form")).to_have_count(0)  # the doer cannot check their own work
    screen.shot("3-cleaning-done")
    screen.context.close()

    screen = Screen(browser, live_server, ew.env_head.user, errors, shots=SHOTS)
    page = screen.page
    screen.goto(f"/facilities/tasks/{task.pk}/")
    page.get_by_test_id("check-pass").click()
    expect(page.get_by_test_id("task-checked")).to_contain_text("验收合格")
    screen.shot("4-supervisor-accepted")
    screen.context.close()

    screen = Screen(browser, live_server, ew.manager, errors, DESKTOP, shots=SHOTS)
    screen.goto("/facilities/tasks/?discipline=cleaning")
    expect(screen.page.get_by_test_id("task-table")).to_contain_text("1栋大堂")
    screen.shot("5-task-list-cleaning-1280")
    screen.context.close()

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.check_result == CheckResult.PASSED
    assert task.photos.count() == 1 and task.checked_by == ew.env_head.user
    assert not errors, errors
