"""The loops on the web and the API: receipts for the counter (A5, 80 mm; HTML and PDF, amounts in
capitals, never negative; a refund's own document), invoice requests issued through the local fake
invoicing service, late-fee rules and waivers, the 买单式 settlement; 422 naming the field, 409 on
conflicts, 404 out of scope."""

import base64
import datetime
import re
import zlib
from decimal import Decimal

import pytest
from django.test import Client, override_settings

from guanjia.billing import services
from guanjia.billing.choices import InvoiceStatus
from guanjia.billing.models import InvoiceRequest, LateFeePolicy
from guanjia.billing.tests.conftest import generate, pay
from guanjia.testing.api import Api, snapshot
from guanjia.testing.fake_invoicing import APP_ID, SECRET, FakeInvoicing


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def paid(bw):
    generate(bw)
    payment, _created = pay(bw, bw.unit, "1234.56", "k-receipt", payer="王先生")
    return payment


def _pdf_text(content: bytes, tmp_path=None) -> str:
    """The text a reportlab PDF draws (its CID font's strings are UTF-16BE), as one string: the
    page streams are ASCII85 + Flate; each ``(…) Tj`` literal is unescaped and decoded."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            data = zlib.decompress(base64.a85decode(match.group(1).strip().removesuffix(b"~>"), adobe=False))
        except (ValueError, zlib.error):
            continue
        for literal in re.finditer(rb"\((.*?)(?<!\\)\) Tj", data, re.S):
            raw, i, chars = literal.group(1), 0, bytearray()
            while i < len(raw):
                if raw[i : i + 1] == b"\\":
                    octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
                    if octal:
                        chars.append(int(octal.group(0), 8))
                        i += 1 + len(octal.group(0))
                        continue
                    chars += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(
                        raw[i + 1 : i + 2], raw[i + 1 : i + 2]
                    )
                    i += 2
                    continue
                chars.append(raw[i])
                i += 1
            out.append(bytes(chars).decode("utf-16-be", errors="replace"))
    return "".join(out)


def test_receipt_prints_on_a5_and_80mm_with_the_amount_in_capitals(bw, paid, tmp_path):
    desk = login(bw.desk)
    page = desk.get(f"/billing/receipts/{paid.pk}/?size=80mm").content.decode()
    assert "receipt-80mm" in page and "size: 80mm auto" in page
    assert "壹仟贰佰叁拾肆元伍角陆分" in page
    page = desk.get(f"/billing/receipts/{paid.pk}/").content.decode()
    assert "size: A5" in page
    for size in ("a5", "80mm"):
        response = desk.get(f"/billing/receipts/{paid.pk}/pdf/?size={size}")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = _pdf_text(response.content, tmp_path)
        assert "壹仟贰佰叁拾肆元伍角陆分" in text.replace(" ", "").replace("\n", "")
        assert paid.receipt_no in text and "¥1,234.56" in text and "¥-" not in text
    # The resident gets their own receipt; another resident and another company's staff do not.
    assert login(bw.resident_user).get(f"/billing/receipts/{paid.pk}/pdf/").status_code == 200
    assert login(bw.other_resident_user).get(f"/billing/receipts/{paid.pk}/pdf/").status_code == 404
    assert login(bw.foreign_admin).get(f"/billing/receipts/{paid.pk}/pdf/").status_code == 404


def test_a_refund_has_its_own_document_and_the_receipt_stays_positive(bw, paid, tmp_path):
    from guanjia.billing.models import Correction

    refund = services.correction_request(
        actor=bw.desk, data={"kind": "refund", "payment_id": paid.pk, "amount": "100.05", "reason": "多缴"}
    )
    services.correction_decide(actor=bw.manager, correction=refund, approve=True)
    desk = login(bw.desk)
    receipt = desk.get(f"/billing/receipts/{paid.pk}/").content.decode()
    assert "¥1234.56" in receipt and "-100.05" not in receipt
    assert f"/billing/refunds/{refund.pk}/" in receipt
    note = desk.get(f"/billing/refunds/{refund.pk}/").content.decode()
    assert "壹佰元零伍分" in note and "100.05" in note
    pdf = desk.get(f"/billing/refunds/{refund.pk}/?format=pdf&size=80mm")
    assert pdf["Content-Type"] == "application/pdf"
    assert "壹佰元零伍分" in _pdf_text(pdf.content, tmp_path).replace(" ", "").replace("\n", "")
    # A refund still pending has no document.
    pending = services.correction_request(
        actor=bw.desk, data={"kind": "refund", "payment_id": paid.pk, "amount": "1.00", "reason": "x"}
    )
    assert desk.get(f"/billing/refunds/{pending.pk}/").status_code == 404
    assert Correction.objects.filter(pk=pending.pk, status="pending").exists()


@pytest.fixture
def invoicing():
    with (
        FakeInvoicing() as fake,
        override_settings(
            GUANJIA_INVOICE_URL=fake.url, GUANJIA_INVOICE_APP_ID=APP_ID, GUANJIA_INVOICE_SECRET=SECRET
        ),
    ):
        yield fake


def test_a_resident_asks_for_an_invoice_finance_issues_it_the_resident_downloads_it(bw, paid, invoicing):
    resident = Api(bw.resident_user)
    bad = resident.post(
        "invoice-requests",
        {"payment_id": paid.pk, "title": "金苑科技有限公司", "tax_no": "12AB", "email": "x"},
    )
    assert bad.status_code == 422
    assert {"tax_no", "email"} <= set(bad.json()["errors"])
    assert not InvoiceRequest.objects.exists()
    made = resident.post(
        "invoice-requests",
        {
            "payment_id": paid.pk,
            "title": "金苑科技有限公司",
            "tax_no": "91440300MA5G8XXX1K",
            "email": "wang@example.com",
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["amount"] == "1234.56"
    again = resident.post(
        "invoice-requests", {"payment_id": paid.pk, "title": "王先生", "email": "wang@example.com"}
    )
    assert again.status_code == 409
    # Another resident, another company: not found.
    assert Api(bw.other_resident_user).get(f"invoice-requests/{made.json()['id']}").status_code == 404
    assert Api(bw.foreign_admin).post(f"invoice-requests/{made.json()['id']}/issue").status_code == 404
    # Finance sees the queue and issues it through the invoicing service.
    queue = Api(bw.manager).get("invoice-requests", status="requested").json()["items"]
    assert [row["id"] for row in queue] == [made.json()["id"]]
    issued = Api(bw.manager).post(f"invoice-requests/{made.json()['id']}/issue")
    assert issued.status_code == 200, issued.content
    body = issued.json()
    assert body["status"] == "issued" and body["invoice_no"] and body["document_url"]
    sent = [r for r in invoicing.requests if r["path"] == "/v1/invoices"]
    assert '"total":"1234.56"' in sent[0]["body"] and "91440300MA5G8XXX1K" in sent[0]["body"]
    # Issued once: a second issue is 409 and the service saw one order.
    assert Api(bw.manager).post(f"invoice-requests/{made.json()['id']}/issue").status_code == 409
    # The resident sees the number and downloads the PDF; the other resident cannot.
    mine = resident.get(f"invoice-requests/{made.json()['id']}").json()
    download = login(bw.resident_user).get(mine["document_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert login(bw.other_resident_user).get(mine["document_url"]).status_code == 404
    page = login(bw.resident_user).get(f"/portal/bills/receipts/{paid.pk}/").content.decode()
    assert body["invoice_no"] in page


def test_the_invoicing_service_refusing_saves_nothing_and_finance_may_record_a_number(bw, paid, invoicing):
    invoice = services.invoice_request(
        actor=bw.desk, data={"payment_id": paid.pk, "title": "王先生", "email": "wang@example.com"}
    )
    before = snapshot(invoice)
    invoicing.refuse_next = "开票额度不足"
    refused = Api(bw.manager).post(f"invoice-requests/{invoice.pk}/issue")
    assert refused.status_code == 409 and "开票额度不足" in refused.json()["detail"]
    assert snapshot(invoice) == before
    assert Api(bw.desk).post(f"invoice-requests/{invoice.pk}/issue").status_code == 403  # not finance
    bad = Api(bw.manager).post(f"invoice-requests/{invoice.pk}/mark-issued", {"invoice_no": "1"})
    assert bad.status_code == 422 and "invoice_no" in bad.content.decode()
    done = Api(bw.manager).post(
        f"invoice-requests/{invoice.pk}/mark-issued", {"invoice_no": "24442000000012345678"}
    )
    assert done.status_code == 200 and done.json()["status"] == InvoiceStatus.ISSUED


def test_a_wrong_signature_is_refused_by_the_fake_as_by_the_service(invoicing):
    from guanjia.billing.invoicing import HttpInvoiceBackend, InvoiceBackendError

    client = HttpInvoiceBackend(url=invoicing.url, app_id=APP_ID, secret="wrong")
    with pytest.raises(InvoiceBackendError, match="signature"):
        client.issue(
            order_no="x",
            title="t",
            tax_no="",
            email="a@b.cn",
            items=[{"name": "n", "amount": "1.00"}],
            total=Decimal("1.00"),
        )


def test_late_fee_policy_and_waiver_through_the_api(bw, clock):
    clock(datetime.date(2026, 9, 1))
    generate(bw)
    manager = Api(bw.manager)
    bad = manager.post(
        "late-fee-policies", {"project_id": bw.project.pk, "enabled": True, "daily_rate": "0.5"}
    )
    assert bad.status_code == 422 and "daily_rate" in bad.content.decode()
    assert (
        Api(bw.desk).post("late-fee-policies", {"project_id": bw.project.pk, "enabled": True}).status_code
        == 403
    )
    assert (
        Api(bw.foreign_admin)
        .post("late-fee-policies", {"project_id": bw.project.pk, "enabled": True})
        .status_code
        == 422
    )
    ok = manager.post(
        "late-fee-policies",
        {"project_id": bw.project.pk, "enabled": True, "daily_rate": "0.0005", "starts_on": "2026-09-01"},
    )
    assert ok.status_code == 200, ok.content
    assert LateFeePolicy.objects.get(project=bw.project).enabled
    services.late_fees_accrue(as_of=datetime.date(2026, 10, 10))  # 10 days × 0.111875 = 1.12
    from guanjia.billing.models import Bill

    bill = Bill.objects.get(unit=bw.unit, period="2026-09")
    shown = Api(bw.desk).get(f"bills/{bill.pk}").json()
    assert shown["late_fee"] == "1.12" and shown["outstanding"] == "224.87"
    too_much = Api(bw.desk).post("late-fee-waivers", {"bill_id": bill.pk, "amount": "1.13", "reason": "x"})
    assert too_much.status_code == 422 and "amount" in too_much.content.decode()
    asked = Api(bw.desk).post("late-fee-waivers", {"bill_id": bill.pk, "amount": "1.12", "reason": "首次"})
    assert asked.status_code == 201
    assert manager.post(f"corrections/{asked.json()['id']}/approve", {}).status_code == 200
    assert Api(bw.desk).get(f"bills/{bill.pk}").json()["late_fee"] == "0.00"
    # Shown apart on the statement.
    page = login(bw.desk).get(f"/billing/units/{bw.unit.pk}/").content.decode()
    assert "滞纳金" in page


def test_fee_settlement_without_a_result_is_422_on_period(bw):
    generate(bw)
    response = Api(bw.manager).post("fee-settlements", {"project_id": bw.project.pk, "period": "2026-09"})
    assert response.status_code == 422 and "period" in response.content.decode()
    page = login(bw.manager).post(
        "/billing/late-fees/", {"what": "settle", "project": bw.project.pk, "period": "2026-09"}
    )
    assert page.status_code == 422
