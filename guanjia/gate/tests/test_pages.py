"""The console's and the portal's gate pages: the guard's page, walk-ins, the resident's pass with
its QR code, the visitor's shared page, the lists and their exports; who may open which."""

import pytest
from django.test import Client

from guanjia.gate import services
from guanjia.gate.models import VisitorPass
from guanjia.gate.tests.conftest import invite

pytestmark = pytest.mark.django_db


def client(user):
    page = Client()
    page.force_login(user)
    return page


def test_the_resident_invites_on_the_portal_and_shares_the_qr_code(gw):
    page = client(gw.resident_user)
    form = page.get("/portal/visitors/new/")
    assert form.status_code == 200 and "1201" in form.content.decode()
    answer = page.post(
        "/portal/visitors/new/",
        {
            "unit": gw.unit.pk,
            "visitor_name": "王五",
            "people": 1,
            "valid_from": "2020-01-01T10:00",
            "valid_until": "2020-01-01T09:00",
        },
    )
    assert answer.status_code == 422 and not VisitorPass.objects.exists()
    made = invite(gw, visitor_name="王五")
    shown = page.get(f"/portal/visitors/{made.pk}/").content.decode()
    assert "<svg" in shown and f"/v/{made.token}/" in shown
    assert client(gw.other_resident_user).get(f"/portal/visitors/{made.pk}/").status_code == 404
    shared = Client().get(f"/v/{made.token}/").content.decode()
    assert "王五" in shared and "<svg" in shared and "1201" not in shared
    assert Client().get("/v/not-a-real-token-at-all-xyz/").status_code == 404


def test_the_guard_scans_and_lets_the_visitor_in_and_out_on_the_phone_page(gw):
    made = invite(gw)
    page = client(gw.guard)
    shown = page.get(f"/gate/?token={made.token}").content.decode()
    assert 'data-testid="check-in"' in shown and "张三" in shown
    page.post(f"/gate/passes/{made.pk}/in/", {"gate": gw.gate.pk})
    shown = page.get(f"/gate/?token={made.token}").content.decode()
    assert 'data-testid="check-out"' in shown
    page.post(f"/gate/passes/{made.pk}/out/", {"gate": gw.gate.pk})
    made.refresh_from_db()
    assert made.checked_in_at and made.checked_out_at and made.checked_in_gate_id == gw.gate.pk
    assert "没有找到" in page.get("/gate/?token=xxxxxxxxxxxxxxxxxxxxxxxxxxxx").content.decode()
    assert client(gw.foreign_guard).get(f"/gate/?token={made.token}").content.decode().count("pass-card") == 0


def test_walk_in_on_the_web_names_a_bad_unit(gw):
    page = client(gw.guard)
    data = {
        "gate": gw.gate.pk,
        "unit": "9栋-9999",
        "visitor_name": "李四",
        "people": 1,
        "confirmed_by": "业主",
        "reason": "探亲",
    }
    assert page.post("/gate/walk-in/", data).status_code == 422
    answer = page.post("/gate/walk-in/", {**data, "unit": "1栋-1201"})
    assert answer.status_code == 302 and VisitorPass.objects.get().kind == "walk_in"


def test_lists_and_exports_open_for_the_gate_staff_only(gw):
    services.vehicle_create(actor=gw.desk, data={"unit_id": gw.unit.pk, "plate": "粤B11111"})
    guard = client(gw.guard)
    for url in (
        "/gate/log/",
        "/gate/temporary/",
        "/gate/vehicles/",
        "/gate/spaces/",
        "/gate/blacklist/",
        "/gate/cards/",
    ):
        assert guard.get(url).status_code == 200, url
    assert "粤B11111" in guard.get("/gate/vehicles/").content.decode()
    assert guard.get("/data/export/vehicles.xlsx").status_code == 200
    assert client(gw.technician).get("/gate/").status_code == 403
    assert client(gw.resident_user).get("/gate/vehicles/").status_code == 403
    assert "粤B11111" in client(gw.resident_user).get("/portal/vehicles/").content.decode()
    assert "粤B11111" not in client(gw.other_resident_user).get("/portal/vehicles/").content.decode()
    manager = client(gw.manager)
    assert manager.get("/gate/gates/").status_code == 200
    assert manager.post(f"/gate/gates/{gw.gate.pk}/token/").status_code == 302
