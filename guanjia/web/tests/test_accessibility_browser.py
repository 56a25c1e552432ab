"""axe-core (npm, package-lock.json) on the main console pages at 1280 px and the resident's and the
technician's pages on a 390 px phone: no serious or critical violation (WCAG 2 A/AA and axe's best
practices). One browser per person; axe is evaluated in the page (the CSP forbids inline scripts, a
DevTools evaluation is not a script of the page)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from guanjia.testing.browser import DESKTOP, PHONE, Screen
from guanjia.tickets import services
from guanjia.tickets.choices import Action
from guanjia.web.tests.test_ticket_browser import ticket_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.PROJECT_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def violations(screen: Screen, path: str) -> list[str]:
    screen.goto(path)
    screen.page.wait_for_load_state("networkidle")  # htmx's loads (the bell's count) are in
    if not screen.page.evaluate("typeof window.axe !== 'undefined'"):
        screen.page.evaluate(AXE.read_text())
    found = screen.page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
    )
    return [
        f"{path}: {v['id']} ({v['impact']}) at {v['nodes']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_or_critical_axe_violation_on_the_main_pages(transactional_db, live_server, browser):
    assert AXE.exists(), "node_modules/axe-core is missing: make setup (npm ci)"
    world = ticket_world()
    ticket = services.ticket_create(
        actor=world.resident_user, data={"unit_id": world.unit.pk, "description": "厨房水管漏水"}
    )
    services.ticket_act(
        actor=world.butler,
        ticket=ticket,
        action=Action.DISPATCH,
        data={"assignee_id": world.technician_staff.pk},
    )
    pages = [
        (world.admin, DESKTOP, ["home", "ticket_list", "board_home", "figures", "unit_list"]),
        (world.admin, DESKTOP, ["resident_list", "staff_list", "billing:bills", "notifications:list"]),
        (world.butler, DESKTOP, [("ticket_detail", ticket.pk)]),
        (world.technician, PHONE, ["my_work", ("ticket_detail", ticket.pk)]),
        (world.resident_user, PHONE, ["portal_home", "portal_report", ("portal_ticket_detail", ticket.pk)]),
        (world.resident_user, PHONE, ["billing:portal_bills", "notifications:list"]),
    ]
    errors: list[str] = []
    found: list[str] = []
    screens: dict = {}
    for user, viewport, names in pages:
        key = (user.pk, viewport["width"])
        if key not in screens:
            screens[key] = Screen(browser, live_server, user, errors, viewport=viewport)
        for name in names:
            name, *args = name if isinstance(name, tuple) else (name,)
            found += violations(screens[key], reverse(name, args=args))
    for screen in screens.values():
        screen.close()
    assert found == []
    assert errors == []
