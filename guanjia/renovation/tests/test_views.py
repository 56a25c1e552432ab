"""The console's pages: the list with filters and its .xlsx export, a renovation's page with htmx
decisions (409 as text for the loser), the desk's application form naming bad fields, the phone
patrol pages, and the portal."""

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from guanjia.renovation import services
from guanjia.renovation.models import Renovation, Violation
from guanjia.renovation.tests.conftest import application, png

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_filters_and_exports_what_it_shows(rw):
    services.renovation_apply(actor=rw.resident_user, data=application(rw.unit, structural=True))
    services.renovation_apply(
        actor=rw.desk, data=application(rw.other_unit, applicant_name="邻居", applicant_phone="13900000001")
    )
    client = login(rw.desk)
    page = client.get("/renovation/?flag=structural")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1201" in text and "1202" not in text
    export = client.get("/data/export/renovations.xlsx?flag=structural")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and "1栋-1201" in rows[1]
    # Another company's administrator sees none of it.
    assert "1201" not in login(rw.foreign_admin).get("/renovation/").content.decode()


def test_detail_htmx_approve_and_the_losers_409(rw):
    renovation = services.renovation_apply(actor=rw.resident_user, data=application(rw.unit))
    engineer = login(rw.engineer)
    page = engineer.get(f"/renovation/{renovation.pk}/")
    assert page.status_code == 200 and 'data-testid="approve"' in page.content.decode()
    response = engineer.post(f"/renovation/{renovation.pk}/approve/", {"note": "ok"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "工程审核通过" in response.content.decode()
    loser = login(rw.manager).post(
        f"/renovation/{renovation.pk}/reject/", {"reason": "no"}, HTTP_HX_REQUEST="true"
    )
    assert loser.status_code == 409
    assert loser["Content-Type"].startswith("text/plain")
    assert Renovation.objects.get(pk=renovation.pk).status == "approved"
    # Out of scope: 404 as for a missing one.
    assert login(rw.sibling_desk).get(f"/renovation/{renovation.pk}/").status_code == 404
    assert login(rw.foreign_admin).post(f"/renovation/{renovation.pk}/approve/").status_code == 404


def test_desk_form_names_the_bad_field(rw):
    client = login(rw.desk)
    today = timezone.localdate()
    data = {
        "unit_id": rw.unit.pk,
        "applicant_name": "业主",
        "applicant_phone": "13900000000",
        "contractor": "美家装饰",
        "contractor_contact": "王工",
        "contractor_phone": "13800001111",
        "scope": "刷墙",
        "starts_on": today + datetime.timedelta(days=2),
        "ends_on": today + datetime.timedelta(days=1),
        "rules_acknowledged": "on",
    }
    response = client.post("/renovation/new/", data)
    assert response.status_code == 422
    assert 'data-testid="error-ends_on"' in response.content.decode()
    data["ends_on"] = today + datetime.timedelta(days=20)
    del data["rules_acknowledged"]
    response = client.post("/renovation/new/", data)
    assert (
        response.status_code == 422 and 'data-testid="error-rules_acknowledged"' in response.content.decode()
    )
    data["rules_acknowledged"] = "on"
    data["workers"] = "张三 13700000001 水电\n李四"
    response = client.post("/renovation/new/", data)
    assert response.status_code == 302
    renovation = Renovation.objects.get()
    assert renovation.channel == "desk" and renovation.workers.count() == 2


def test_patrol_pages_on_a_phone(rw):
    from decimal import Decimal

    from guanjia.billing import services as billing

    today = timezone.localdate()
    renovation = services.renovation_apply(
        actor=rw.resident_user,
        data=application(rw.unit, starts_on=today, ends_on=today + datetime.timedelta(days=9)),
    )
    services.renovation_approve(actor=rw.engineer, renovation=renovation)
    services.renovation_bill(actor=rw.manager, renovation=Renovation.objects.get(pk=renovation.pk))
    billing.payment_post(
        actor=rw.desk,
        data={"unit_id": rw.unit.pk, "amount": Decimal("3500"), "method": "cash", "idempotency_key": "v"},
    )
    services.renovation_permit(actor=rw.desk, renovation=Renovation.objects.get(pk=renovation.pk))
    services.make_patrols()
    client = login(rw.patroller)
    page = client.get("/renovation/patrol/")
    assert page.status_code == 200 and "1201" in page.content.decode()
    stop_id = renovation.stops.get().pk
    refused = client.post(
        f"/renovation/patrol/{stop_id}/",
        {
            "kind": "fire",
            "note": "",
            "rectify_by": (timezone.localtime() + datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert refused.status_code == 422 and not Violation.objects.exists()
    done = client.post(
        f"/renovation/patrol/{stop_id}/",
        {
            "kind": "fire",
            "note": "电焊无灭火器",
            "rectify_by": (timezone.localtime() + datetime.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
            "photos": [png()],
        },
    )
    assert done.status_code == 302
    assert Violation.objects.get().photos.count() == 1
    portal = login(rw.resident_user).get("/portal/renovation/").content.decode()
    assert "消防安全隐患" in portal and "电焊无灭火器" in portal


def test_portal_apply(rw):
    client = login(rw.resident_user)
    assert client.get("/portal/renovation/apply/").status_code == 200
    today = timezone.localdate()
    response = client.post(
        "/portal/renovation/apply/",
        {
            "unit_id": rw.unit.pk,
            "contractor": "美家装饰",
            "contractor_contact": "王工",
            "contractor_phone": "13800001111",
            "scope": "刷墙",
            "starts_on": today + datetime.timedelta(days=2),
            "ends_on": today + datetime.timedelta(days=20),
            "rules_acknowledged": "on",
        },
    )
    assert response.status_code == 302
    assert Renovation.objects.get().applicant_id == rw.resident.pk
    # A unit the resident does not own is not offered and not accepted.
    response = client.post("/portal/renovation/apply/", {"unit_id": rw.other_unit.pk})
    assert response.status_code == 422
