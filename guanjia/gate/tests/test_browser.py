"""A resident invites a visitor on a 390 px phone and opens the pass with its QR code; the guard, on a
phone, types the code the scanner read, lets the visitor in and later out; the desk reads the day's log.
Screenshots go to $GATE_SHOTS (default /tmp/shots/gate)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanjia.gate.models import GateLogEntry, VisitorPass
from guanjia.testing.browser import DESKTOP, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("GATE_SHOTS", "/tmp/shots/gate"))


def test_a_visitor_pass_from_the_residents_phone_to_the_gate_and_out(gw, live_server, browser):
    errors: list[str] = []
    resident = Screen(browser, live_server, gw.resident_user, errors, shots=SHOTS)
    page = resident.page
    resident.goto("/portal/visitors/")
    page.get_by_test_id("new-pass").click()
    page.fill("#id_visitor_name", "张三")
    page.fill("#id_plate", "粤b12345")
    page.fill("#id_people", "2")
    resident.shot("phone-resident-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("pass-qr")).to_be_visible()
    resident.shot("phone-resident-pass")
    token = page.get_by_test_id("pass-token").inner_text().strip()
    made = VisitorPass.objects.get(token=token)
    assert made.plate == "粤B12345" and made.unit_id == gw.unit.pk
    resident.context.close()

    guard = Screen(browser, live_server, gw.guard, errors, shots=SHOTS)
    g = guard.page
    guard.goto("/gate/")
    g.get_by_test_id("scan-token").fill(f"{live_server.url}/gate/?token={token}")
    g.get_by_test_id("scan-submit").click()
    expect(g.get_by_test_id("pass-state")).to_have_text("有效")
    guard.shot("phone-guard-scanned")
    g.get_by_test_id("check-in").click()
    expect(g.get_by_test_id("pass-state")).to_have_text("已入场")
    guard.shot("phone-guard-checked-in")
    g.get_by_test_id("check-out").click()
    expect(g.get_by_test_id("pass-state")).to_have_text("已使用")
    expect(g.get_by_test_id("pass-refusal")).to_contain_text("已使用")
    guard.shot("phone-guard-checked-out")
    guard.context.close()
    assert list(GateLogEntry.objects.order_by("id").values_list("kind", flat=True)) == [
        "visitor_in",
        "visitor_out",
    ]

    desk = Screen(browser, live_server, gw.desk, errors, viewport=DESKTOP, shots=SHOTS)
    desk.goto(f"/gate/log/?gate_id={gw.gate.pk}")
    expect(desk.page.get_by_test_id("gate-row")).to_have_count(2)
    desk.shot("desktop-log")
    desk.context.close()
    assert not errors, errors
