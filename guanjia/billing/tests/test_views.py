"""The fee pages: lists, the statement with the payment form (posted once), approvals, figures, the
resident's own bills; each only within the user's scope."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from guanjia.billing import services
from guanjia.billing.models import Bill, Correction, Payment
from guanjia.billing.tests.conftest import generate, pay

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_bill_list_filters_and_generate_button(bw):
    manager = login(bw.manager)
    response = manager.post(
        "/billing/generate/", {"project": bw.project.pk, "period": "2026-09", "due_on": "2026-09-30"}
    )
    assert response.status_code == 302
    manager.post("/billing/generate/", {"project": bw.project.pk, "period": "2026-09"})
    assert Bill.objects.filter(period="2026-09").count() == 2
    page = manager.get("/billing/", {"project": bw.project.pk, "period": "2026-09", "status": "open"})
    assert page.status_code == 200
    assert "1201" in page.content.decode() and "223.75" in page.content.decode()
    fragment = manager.get("/billing/", {"q": "1202"}, headers={"HX-Request": "true"})
    assert "1202" in fragment.content.decode() and "1201" not in fragment.content.decode()
    # The desk sees the bills but has no generate button and may not generate.
    desk = login(bw.desk)
    assert 'data-testid="generate-form"' not in desk.get("/billing/").content.decode()
    assert desk.post("/billing/generate/", {"project": bw.project.pk, "period": "2026-10"}).status_code == 403


def test_payment_form_posts_once_even_when_sent_twice(bw):
    generate(bw)
    desk = login(bw.desk)
    page = desk.get(f"/billing/units/{bw.unit.pk}/")
    assert page.status_code == 200 and 'data-testid="payment-form"' in page.content.decode()
    body = {"amount": "223.75", "method": "cash", "idempotency_key": "form-1", "payer": "张先生"}
    assert desk.post(f"/billing/units/{bw.unit.pk}/pay/", body).status_code == 302
    assert desk.post(f"/billing/units/{bw.unit.pk}/pay/", body).status_code == 302
    assert Payment.objects.count() == 1
    bad = desk.post(
        f"/billing/units/{bw.unit.pk}/pay/", {**body, "idempotency_key": "2", "method": "transfer"}
    )
    assert bad.status_code == 422 and "交易流水号" in bad.content.decode()
    receipt = desk.get(f"/billing/receipts/{Payment.objects.get().pk}/")
    assert "JY-SK2026-000001" in receipt.content.decode()


def test_refund_asked_at_the_desk_is_approved_by_the_manager(bw):
    generate(bw)
    payment, _ = pay(bw, bw.unit, "223.75", "k")
    desk = login(bw.desk)
    too_much = desk.post(
        f"/billing/units/{bw.unit.pk}/refund/", {"payment": payment.pk, "amount": "500", "reason": "多收"}
    )
    assert too_much.status_code == 422 and "超过可退金额" in too_much.content.decode()
    desk.post(
        f"/billing/units/{bw.unit.pk}/refund/", {"payment": payment.pk, "amount": "23.75", "reason": "多收"}
    )
    correction = Correction.objects.get()
    assert desk.post(f"/billing/corrections/{correction.pk}/", {"decision": "approve"}).status_code == 403
    manager = login(bw.manager)
    assert "多收" in manager.get("/billing/corrections/").content.decode()
    manager.post(f"/billing/corrections/{correction.pk}/", {"decision": "approve"})
    correction.refresh_from_db()
    assert correction.status == "approved" and correction.decided_by == bw.manager


def test_arrears_and_collection_pages(bw, clock):
    clock(datetime.date(2026, 1, 1))
    generate(bw, "2026-01", datetime.date(2026, 1, 31))
    clock(datetime.date(2026, 1, 20))
    pay(bw, bw.other_unit, "223.75", "k")
    manager = login(bw.manager)
    arrears = manager.get("/billing/arrears/", {"on": "2026-03-01"}).content.decode()
    assert "1栋-1201" in arrears and "1栋-1202" not in arrears
    collection = manager.get("/billing/collection/", {"period_from": "2026-01", "period_to": "2026-01"})
    assert "50.0%" in collection.content.decode()


def test_out_of_scope_statement_is_404(bw):
    assert login(bw.sibling_desk).get(f"/billing/units/{bw.unit.pk}/").status_code == 404
    assert login(bw.foreign_admin).get(f"/billing/units/{bw.unit.pk}/").status_code == 404
    assert login(bw.technician).get("/billing/").status_code == 403


def test_resident_portal_shows_only_own_bills_and_receipts(bw):
    generate(bw)
    mine, _ = pay(bw, bw.unit, "300.00", "a")
    theirs, _ = pay(bw, bw.other_unit, "10.00", "b")
    resident = login(bw.resident_user)
    page = resident.get("/portal/bills/").content.decode()
    assert "1201" in page and "1202" not in page
    assert mine.receipt_no in page and theirs.receipt_no not in page
    assert "76.25" in page  # the credit left after the month's 223.75
    assert resident.get(f"/portal/bills/receipts/{mine.pk}/").status_code == 200
    assert resident.get(f"/portal/bills/receipts/{theirs.pk}/").status_code == 404
    assert resident.get("/billing/").status_code == 403
    assert login(bw.desk).get("/portal/bills/").status_code == 302


def test_deposit_bill_shows_as_one_off(bw):
    services.bill_one_off(
        actor=bw.manager, data={"unit_id": bw.unit.pk, "item_id": bw.deposit.pk, "amount": Decimal("3000")}
    )
    page = login(bw.manager).get(f"/billing/units/{bw.unit.pk}/").content.decode()
    assert "3000.00" in page and "一次性" in page


def test_door_to_door_visit_booked_on_the_statement_and_closed_on_the_round(bw):
    from django.utils import timezone

    from guanjia.billing.models import CollectionVisit

    desk = login(bw.desk)
    today = timezone.localtime().strftime("%Y-%m-%dT18:00")
    refused = desk.post(f"/billing/units/{bw.unit.pk}/visit/", {"collector": bw.desk.pk, "visit_at": today})
    assert refused.status_code == 422 and "提前一天" in refused.content.decode()
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT18:00")
    desk.post(
        f"/billing/units/{bw.unit.pk}/visit/",
        {"collector": bw.desk.pk, "visit_at": tomorrow, "note": "晚上在家"},
    )
    visit = CollectionVisit.objects.get()
    assert "晚上在家" in desk.get("/billing/visits/").content.decode()
    desk.post(f"/billing/visits/{visit.pk}/", {"status": "missed"})
    visit.refresh_from_db()
    assert visit.status == "missed"


def test_receipt_shows_positive_amounts_in_figures_and_capitals_with_a_print_button(bw):
    generate(bw)
    payment, _ = pay(bw, bw.unit, "300.00", "receipt-1", payer="张先生")
    page = login(bw.desk).get(f"/billing/receipts/{payment.pk}/").content.decode()
    assert "人民币叁佰元整" in page
    assert "2026-09" in page and "223.75" in page and "76.25" in page  # the bill, and the rest as credit
    assert "-223.75" not in page and "-76.25" not in page  # the ledger's signs stay in the ledger
    assert "data-print" in page and "交款人签字" in page
    resident = login(bw.resident_user).get(f"/portal/bills/receipts/{payment.pk}/").content.decode()
    assert "人民币叁佰元整" in resident


def test_receipt_after_a_refund_still_adds_up_and_names_the_refund(bw):
    generate(bw)
    payment, _ = pay(bw, bw.unit, "1234.56", "receipt-2")
    correction = services.correction_request(
        actor=bw.desk,
        data={"kind": "refund", "payment_id": payment.pk, "amount": Decimal("10.81"), "reason": "多收"},
    )
    services.correction_decide(actor=bw.manager, correction=correction, approve=True)
    page = login(bw.manager).get(f"/billing/receipts/{payment.pk}/").content.decode()
    assert "人民币壹仟贰佰叁拾肆元伍角陆分" in page
    assert "1010.81" in page  # credit held: 1234.56 − 223.75
    assert "已退款" in page and "10.81" in page and "-10.81" not in page


def test_the_bills_room_filter_reads_rooms_as_people_write_them(bw):
    generate(bw)
    manager = login(bw.manager)
    for text in ("1栋-1202", "1-1202", "1栋1202", "1202"):
        fragment = manager.get("/billing/", {"q": text}, headers={"HX-Request": "true"}).content.decode()
        assert "1202" in fragment and "1201" not in fragment, text
