"""A handover in a real browser (Debian's Chromium): on the inspector's phone two defects are
recorded with photos and become requests to engineering, the owner signs on the screen, the desk
completes the handover on a desktop; the PDF record is rendered to an image (pdftoppm) to look at.

``GUANJIA_SCREENS=docs/screens/handover`` saves the screenshots (docs/handover.md lists them)."""

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from guanjia.handover import pdf, services
from guanjia.handover.models import Appointment, Defect
from guanjia.handover.tests.conftest import book
from guanjia.testing.browser import DESKTOP, PHONE, Screen

pytestmark = pytest.mark.django_db(transaction=True)
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _photo_file(tmp_path: Path) -> str:
    path = tmp_path / "crack.png"
    image = Image.new("RGB", (320, 240), (235, 232, 225))
    image.save(path, format="PNG")
    return str(path)


def test_handover_two_defects_signature_and_pdf(hw, browser, live_server, tmp_path):
    shots = Path(os.environ["GUANJIA_SCREENS"]) if os.environ.get("GUANJIA_SCREENS") else None
    errors: list[str] = []
    appointment = book(hw)
    services.appointment_bill(actor=hw.manager, appointment=appointment, data={"item_id": hw.fee_item.pk})
    inspection = services.inspection_start(actor=hw.butler, appointment=appointment)
    items = list(inspection.items.order_by("position"))
    photo = _photo_file(tmp_path)

    phone = Screen(browser, live_server, hw.butler, errors, viewport=PHONE, shots=shots)
    phone.goto(f"/handover/{appointment.pk}/inspect/")
    phone.page.wait_for_selector("[data-testid=room]")
    phone.shot("1-phone-inspection")
    for item, note in ((items[1], "墙面有一道约 40 cm 裂缝"), (items[7], "插座无电，疑似线路未接通")):
        phone.page.click(f"[data-testid=defect-open-{item.pk}]")
        form = phone.page.locator(f"[data-testid=defect-form-{item.pk}]")
        form.locator("textarea[name=note]").fill(note)
        form.locator("input[name=photos]").set_input_files(photo)
        form.locator(f"[data-testid=defect-submit-{item.pk}]").click()
        phone.page.wait_for_load_state()
    assert Defect.objects.filter(inspection=inspection, ticket__isnull=False).count() == 2
    phone.shot("2-phone-two-defects")
    for item in items:
        if item.pk not in (items[1].pk, items[7].pk):
            services.item_record(actor=hw.butler, item=item, result="ok")

    phone.goto(f"/handover/{appointment.pk}/sign/")
    pad = phone.page.locator("[data-testid=signature-pad]")
    box = pad.bounding_box()
    mouse = phone.page.mouse
    mouse.move(box["x"] + 30, box["y"] + 150)
    mouse.down()
    for dx, dy in ((80, 40), (140, 160), (200, 50), (260, 140), (320, 70)):
        mouse.move(box["x"] + dx, box["y"] + dy, steps=6)
    mouse.up()
    phone.shot("3-phone-signature")
    phone.page.click("[data-testid=sign-submit]")
    phone.page.wait_for_selector("[data-testid=signature] img")
    assert Appointment.objects.get(pk=appointment.pk).signature
    phone.close()

    services.appointment_record(
        actor=hw.desk,
        appointment=appointment,
        data={
            "documents": ["id_card", "contract"],
            "keys": {"door": 3, "card": 2},
            "water_reading": "3.2",
            "power_reading": "15.6",
        },
    )
    desk = Screen(browser, live_server, hw.desk, errors, viewport=DESKTOP, shots=shots)
    desk.goto(f"/handover/{appointment.pk}/")
    desk.page.wait_for_selector("[data-testid=defect-ticket]")
    desk.page.click("[data-testid=pay]")
    desk.page.wait_for_load_state()
    desk.page.click("[data-testid=complete]")
    desk.page.wait_for_selector("[data-testid=completed]")
    desk.shot("4-console-handover-completed")
    assert Appointment.objects.get(pk=appointment.pk).status == "completed"
    desk.close()

    # The PDF record, rendered to an image to look at.
    record = pdf.appointment_pdf(
        Appointment.objects.select_related("project", "unit__building").get(pk=appointment.pk)
    )
    assert record.startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        out = tmp_path / "record"
        (tmp_path / "record.pdf").write_bytes(record)
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(tmp_path / "record.pdf"), str(out)], check=True)
        pages = sorted(tmp_path.glob("record*.png"))
        assert pages
        for n, page_png in enumerate(pages):
            image = Image.open(io.BytesIO(page_png.read_bytes()))
            # Not a blank page: the tables and the signature put dark pixels on it.
            assert image.convert("L").getextrema()[0] < 80
            if shots is not None:
                shutil.copy(page_png, shots / f"{5 + n}-pdf-record-page-{n + 1}.png")
    assert errors == []
