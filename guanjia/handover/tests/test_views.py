"""The console's pages (lists with exports, an appointment's page, the phone inspection and
signature pages, the takeover page) and the resident's portal page."""

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from guanjia.handover import services
from guanjia.handover.models import Appointment, Defect, ReadyUnit
from guanjia.handover.tests.conftest import book, inspect_all, png, ready_to_complete, signature

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_lists_export_what_they_show_with_masked_ids(hw):
    book(hw)
    client = login(hw.desk)
    page = client.get("/handover/")
    assert page.status_code == 200 and "1501" in page.content.decode()
    export = client.get("/data/export/handovers.xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "1栋-1501" in rows[1]
    assert "11010519491231002X" not in rows[1] and "110***********002X" in rows[1]
    assert client.get("/data/export/handover_ready_units.xlsx").status_code == 200
    assert client.get("/data/export/takeovers.xlsx").status_code == 200
    assert client.get("/handover/ready/").status_code == 200
    assert client.get("/handover/takeovers/").status_code == 200
    # Another company's admin sees none of it.
    other = login(hw.foreign_admin)
    assert "1501" not in other.get("/handover/").content.decode()
    assert other.get(f"/handover/{Appointment.objects.get().pk}/").status_code == 404


def test_ready_sheet_import_from_xlsx(hw):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["楼栋", "房号", "可交付日期", "购房人", "备注"])
    sheet.append(["1栋", hw.other_unit.number, "2026-12-10", "钱先生", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "ready.xlsx"
    client = login(hw.desk)
    response = client.post("/handover/ready/import/", {"project": hw.project.pk, "file": buffer})
    assert response.status_code == 302
    assert ReadyUnit.objects.get(unit=hw.other_unit).buyer_name == "钱先生"


def test_phone_inspection_sign_and_complete_pages(hw):
    appointment = book(hw)
    client = login(hw.butler)
    assert client.post(f"/handover/{appointment.pk}/inspect/").status_code == 302
    page = client.get(f"/handover/{appointment.pk}/inspect/")
    assert page.status_code == 200 and "入户门厅" in page.content.decode()
    item = appointment.inspection.items.order_by("position").first()
    # A defect without the photo the checklist requires: refused, the field named.
    client.post(f"/handover/items/{item.pk}/", {"result": "defect", "note": "门锁坏"})
    assert not Defect.objects.exists()
    refused = client.get(f"/handover/{appointment.pk}/inspect/")
    assert "须拍照" in refused.content.decode()
    client.post(f"/handover/items/{item.pk}/", {"result": "defect", "note": "门锁坏", "photos": [png()]})
    assert Defect.objects.get().ticket is not None
    for other in appointment.inspection.items.exclude(pk=item.pk):
        services.item_record(actor=hw.butler, item=other, result="ok")
    sign = client.get(f"/handover/{appointment.pk}/sign/")
    assert sign.status_code == 200 and "handover/signature.js" in sign.content.decode()
    assert client.post(f"/handover/{appointment.pk}/sign/", {"signature": ""}).status_code == 422
    assert client.post(f"/handover/{appointment.pk}/sign/", {"signature": signature()}).status_code == 302
    detail = client.get(f"/handover/{appointment.pk}/")
    assert detail.status_code == 200 and 'data-testid="signature"' in detail.content.decode()
    record = client.get(f"/handover/{appointment.pk}/record.pdf")
    assert record["Content-Type"] == "application/pdf" and record.content.startswith(b"%PDF")


def test_portal_shows_the_owners_record(hw):
    from guanjia.estates.models import Occupancy
    from guanjia.testing import factories as f

    appointment = book(hw)
    inspect_all(hw, appointment, defects=2)
    ready_to_complete(hw, appointment)
    services.appointment_complete(actor=hw.desk, appointment=Appointment.objects.get(pk=appointment.pk))
    owner = f.make_resident_user(Occupancy.objects.current().get(unit=hw.new_unit).resident)
    client = login(owner)
    page = client.get("/portal/handover/")
    text = page.content.decode()
    assert page.status_code == 200 and text.count('data-testid="my-handover"') == 1
    assert "墙面裂缝" in text
    assert client.get(f"/portal/handover/{appointment.pk}/record.pdf").status_code == 200
    # A neighbour sees nothing of it.
    neighbour = login(hw.other_resident_user)
    assert "1501" not in neighbour.get("/portal/handover/").content.decode()
    assert neighbour.get(f"/portal/handover/{appointment.pk}/record.pdf").status_code == 404
