"""A month's rota with a gap flagged, a guard clocking in on a phone, and the attendance sheet.
Screenshots (desktop and 390 px) go to docs/screens/rotas/ (the closing note's evidence)."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.rotas import services
from guanjia.rotas.models import CoverAlert, ShiftPattern
from guanjia.testing.browser import DESKTOP, PHONE, Screen

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screens" / "rotas"


def test_a_month_with_a_gap_and_the_attendance_sheet(rw, live_server, browser):
    today = timezone.localdate()
    first = today.replace(day=1)
    # This month: the gate's day shift by guard 1 every day, the night by guard 2 except tomorrow.
    tomorrow = today + datetime.timedelta(days=1)
    for i in range(28):
        day = first + datetime.timedelta(days=i)
        services.shift_assign(
            actor=rw.head, post=rw.gate, pattern_id=rw.day.pk, date=day, staff_id=rw.guard1.pk
        )
        if day != tomorrow:
            services.shift_assign(
                actor=rw.head, post=rw.gate, pattern_id=rw.night.pk, date=day, staff_id=rw.guard2.pk
            )
    if tomorrow.month == today.month and tomorrow.day <= 28:
        services.flag_cover_gaps(now=timezone.now())
        assert CoverAlert.objects.filter(date=tomorrow, pattern=rw.night).exists()
    # A shift running now for guard 1 (24 h from the current hour, tomorrow's date: no overlap).
    hour = timezone.localtime().hour
    now_pattern = ShiftPattern.objects.create(
        company=rw.company, name="临时班", starts_at=datetime.time(hour), ends_at=datetime.time(hour)
    )
    rw.gate.patterns.add(now_pattern)
    guard3 = rw.tech  # the technician stands in at the gate on a running shift
    guard3.projects.add(rw.project)
    services.shift_assign(
        actor=rw.manager, post=rw.gate, pattern_id=now_pattern.pk, date=today, staff_id=guard3.pk
    )

    errors: list[str] = []
    screen = Screen(browser, live_server, rw.head, errors, DESKTOP, shots=SHOTS)
    page = screen.page
    screen.goto(f"/rotas/?project={rw.project.pk}&view=month&start={first}")
    expect(page.get_by_test_id("rota-grid")).to_be_visible()
    expect(page.locator("td[data-gap]").first).to_be_visible()
    screen.shot("1-month-rota-gap-desktop")
    screen.close()

    phone = Screen(browser, live_server, rw.technician, errors, PHONE, shots=SHOTS)
    phone.goto(f"/rotas/clock/{rw.gate.qr_token}/")
    phone.page.get_by_test_id("clock-button").click()
    expect(phone.page.locator(".alert-success, .alert-info").first).to_contain_text("上班打卡成功")
    phone.shot("2-clock-in-phone")
    phone.close()

    screen = Screen(browser, live_server, rw.manager, errors, DESKTOP, shots=SHOTS)
    screen.goto(f"/rotas/attendance/?month={today:%Y-%m}")
    expect(screen.page.get_by_test_id("attendance-sheet")).to_contain_text("维修工")
    screen.shot("4-attendance-sheet-desktop")
    screen.close()
    small = Screen(browser, live_server, rw.manager, errors, PHONE, shots=SHOTS)
    small.goto(f"/rotas/?project={rw.project.pk}&view=month&start={first}")
    small.shot("3-month-rota-phone")
    small.goto(f"/rotas/attendance/?month={today:%Y-%m}")
    small.shot("5-attendance-sheet-phone")
    small.close()
    assert errors == []
