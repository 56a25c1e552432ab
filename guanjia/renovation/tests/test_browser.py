"""Renovation in a real browser (Debian's Chromium): the console on a desktop — the list, a
structural application approved by htmx, the page of a renovating unit with its violation — and
phones: the patroller's list and a unit's check, the owner's portal.

``GUANJIA_SCREENS=docs/screens/renovation`` saves the screenshots (docs/renovation.md lists them)."""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from guanjia.billing import services as billing
from guanjia.renovation import services
from guanjia.renovation.models import Renovation
from guanjia.renovation.tests.conftest import application, later, pdf, png
from guanjia.testing.browser import DESKTOP, PHONE, Screen

pytestmark = pytest.mark.django_db(transaction=True)
# Playwright runs an event loop in this thread; the test still reads the database between page loads.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _permitted(rw) -> Renovation:
    today = timezone.localdate()
    renovation = services.renovation_apply(
        actor=rw.resident_user,
        data=application(rw.unit, starts_on=today, ends_on=today + datetime.timedelta(days=30)),
        plans=[pdf()],
    )
    services.renovation_approve(actor=rw.engineer, renovation=renovation, note="图纸无误")
    services.renovation_bill(actor=rw.manager, renovation=Renovation.objects.get(pk=renovation.pk))
    billing.payment_post(
        actor=rw.desk,
        data={"unit_id": rw.unit.pk, "amount": Decimal("3500"), "method": "cash", "idempotency_key": "b1"},
    )
    return services.renovation_permit(actor=rw.desk, renovation=Renovation.objects.get(pk=renovation.pk))


def test_renovation_console_and_phones(rw, browser, live_server):
    shots = Path(os.environ["GUANJIA_SCREENS"]) if os.environ.get("GUANJIA_SCREENS") else None
    errors: list[str] = []
    renovating = _permitted(rw)
    services.make_patrols()
    services.violation_record(
        actor=rw.patroller,
        renovation=renovating,
        stop=renovating.stops.get(),
        data={"kind": "rubbish", "note": "装修垃圾堆放在楼道消防通道", "rectify_by": later(hours=20)},
        photos=[png()],
    )
    structural = services.renovation_apply(
        actor=rw.desk,
        data=application(
            rw.other_unit,
            applicant_name="邻居业主",
            applicant_phone="13900000002",
            structural=True,
            scope="拆除非承重隔墙、阳台封闭",
        ),
    )
    services.renovation_approve(actor=rw.engineer, renovation=structural)

    manager = Screen(browser, live_server, rw.manager, errors, viewport=DESKTOP, shots=shots)
    manager.goto("/renovation/")
    manager.page.wait_for_selector("[data-testid=renovation-table]")
    manager.shot("1-console-list")
    manager.goto(f"/renovation/{structural.pk}/")
    manager.shot("2-console-awaiting-pm")
    manager.page.click("[data-testid=approve]")
    manager.page.wait_for_selector("[data-testid=done]")
    assert Renovation.objects.get(pk=structural.pk).status == "approved"
    manager.shot("3-console-approved-htmx")
    manager.goto(f"/renovation/{renovating.pk}/")
    manager.page.wait_for_selector("[data-testid=renovation-violations] img")
    manager.shot("4-console-renovating-with-violation")
    manager.close()

    patroller = Screen(browser, live_server, rw.patroller, errors, viewport=PHONE, shots=shots)
    patroller.goto("/renovation/patrol/")
    patroller.page.wait_for_selector("[data-testid=patrol-stops]")
    patroller.shot("5-phone-patrol-list")
    patroller.goto(f"/renovation/patrol/{renovating.stops.get().pk}/")
    patroller.page.wait_for_selector("[data-testid=violation-form]")
    patroller.shot("6-phone-patrol-stop")
    patroller.close()

    owner = Screen(browser, live_server, rw.resident_user, errors, viewport=PHONE, shots=shots)
    owner.goto("/portal/renovation/")
    owner.page.wait_for_selector("[data-testid=my-permit]")
    owner.shot("7-phone-portal-permit-violation")
    owner.goto("/portal/renovation/apply/")
    owner.page.wait_for_selector("[data-testid=apply-form]")
    owner.shot("8-phone-portal-apply")
    owner.close()
    assert errors == []
