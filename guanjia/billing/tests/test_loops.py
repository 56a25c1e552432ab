"""The loops reach the bill: a paid service confirmed on a request becomes one bill line on the
unit's statement (once, linked to the request, reversed by an adjustment when the request is
cancelled), and the pay-by-satisfaction (买单式) result is applied to the management fee once."""

import datetime
from decimal import Decimal

import pytest

from guanjia.billing import selectors, services
from guanjia.billing.choices import BillKind, EntryKind
from guanjia.billing.models import Bill, BillLine, FeeSettlement, LedgerEntry
from guanjia.billing.tests.conftest import completed_paid_service, generate, pay
from guanjia.core.errors import Conflict
from guanjia.tickets import services as ticket_services
from guanjia.tickets.models import Ticket


def service_bill(w, ticket):
    return Bill.objects.get(company=w.company, key=f"ticket:{ticket.pk}")


def test_a_confirmed_paid_service_becomes_one_bill_line_linked_to_the_request(sw):
    ticket = completed_paid_service(sw)
    assert not Bill.objects.filter(kind=BillKind.SERVICE).exists()  # not before it is confirmed
    ticket = ticket_services.ticket_act(actor=sw.butler, ticket=ticket, action="confirm_charges")
    bill = service_bill(sw, ticket)
    assert bill.kind == BillKind.SERVICE and bill.unit_id == sw.unit.pk and bill.ticket_id == ticket.pk
    line = bill.lines.get()
    assert line.amount == Decimal("120.00") and ticket.number in line.description
    assert line.ticket_charge.ticket_id == ticket.pk
    assert selectors.unit_balance(sw.unit.pk)["owed"] == Decimal("120.00")
    # Confirming again is refused by the request; the job running (twice) adds nothing.
    with pytest.raises(Conflict):
        ticket_services.ticket_act(actor=sw.butler, ticket=ticket, action="confirm_charges")
    assert services.bill_confirmed_charges_scheduled() == 0
    assert services.bill_confirmed_charges_scheduled() == 0
    assert services.bill_ticket_charges(ticket=Ticket.objects.get(pk=ticket.pk)).pk == bill.pk
    assert BillLine.objects.filter(ticket_charge__ticket=ticket).count() == 1
    assert LedgerEntry.objects.filter(bill=bill, kind=EntryKind.CHARGE).count() == 1
    # The statement shows it, paid like any bill.
    pay(sw, sw.unit, "120.00", "k-service")
    assert selectors.unit_balance(sw.unit.pk)["owed"] == Decimal("0.00")


def test_the_job_bills_a_request_confirmed_without_billing_listening(sw):
    from guanjia.tickets import events

    ticket = completed_paid_service(sw)
    handler = events._on_transition.pop("billing.ticket_charges")
    try:
        ticket_services.ticket_act(actor=sw.butler, ticket=ticket, action="confirm_charges")
    finally:
        events._on_transition["billing.ticket_charges"] = handler
    assert not Bill.objects.filter(key=f"ticket:{ticket.pk}").exists()
    assert services.bill_confirmed_charges_scheduled() == 1
    assert services.bill_confirmed_charges_scheduled() == 0
    assert service_bill(sw, ticket).total == Decimal("120.00")


def test_a_cancelled_request_reverses_its_bill_by_an_adjustment_and_paid_money_becomes_credit(sw):
    ticket = ticket_services.ticket_act(
        actor=sw.butler, ticket=completed_paid_service(sw), action="confirm_charges"
    )
    bill = service_bill(sw, ticket)
    pay(sw, sw.unit, "50.00", "k-part")
    ticket = ticket_services.ticket_act(
        actor=sw.resident_user, ticket=ticket, action="reopen", data={"reason": "没洗干净，不要了"}
    )
    ticket = ticket_services.ticket_act(
        actor=sw.butler, ticket=ticket, action="cancel", data={"reason": "业主取消"}
    )
    assert Bill.objects.filter(pk=bill.pk).exists()  # never deleted
    row = selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get()
    assert row.billed == 0 and row.outstanding == 0
    assert LedgerEntry.objects.filter(
        bill=bill, kind=EntryKind.ADJUSTMENT, amount=Decimal("-120.00")
    ).exists()
    balance = selectors.unit_balance(sw.unit.pk)
    assert balance["credit"] == Decimal("50.00") and balance["owed"] == Decimal("0.00")
    # Again changes nothing.
    entries = LedgerEntry.objects.count()
    services.reverse_ticket_bill(ticket=ticket)
    assert LedgerEntry.objects.count() == entries


# Pay by satisfaction (买单式) -------------------------------------------------------------------------


def closed_survey(w, *, period: str, scores: list[int]):
    from guanjia.feedback.models import Survey, SurveyAnswer, SurveyProject, SurveyQuestion, SurveyResponse
    from guanjia.feedback.services import fee_scale_publish

    survey = Survey.objects.create(
        company=w.company,
        title="满意度调查",
        period=period,
        opens_on=datetime.date(2026, 9, 1),
        closes_on=datetime.date(2026, 9, 20),
        status="closed",
        closed_at=datetime.datetime(2026, 9, 20, tzinfo=datetime.UTC),
    )
    SurveyProject.objects.create(company=w.company, project=w.project, survey=survey, invited=10)
    response = SurveyResponse.objects.create(
        company=w.company,
        project=w.project,
        survey=survey,
        unit_id=w.unit.pk,
        resident=w.resident,
        submitted_at=datetime.datetime(2026, 9, 10, tzinfo=datetime.UTC),
    )
    for n, score in enumerate(scores):
        question = SurveyQuestion.objects.create(
            company=w.company, survey=survey, text=f"第{n + 1}题", line="service", position=n + 1
        )
        SurveyAnswer.objects.create(
            company=w.company,
            project=w.project,
            survey=survey,
            response=response,
            question=question,
            line="service",
            score=score,
        )
    fee_scale_publish(
        actor=w.admin,
        data={
            "project_id": w.project.pk,
            "steps": [
                {"min_satisfied": "90", "fee_percent": "100"},
                {"min_satisfied": "70", "fee_percent": "90"},
                {"min_satisfied": "0", "fee_percent": "80"},
            ],
        },
    )
    return survey


def test_the_satisfaction_result_is_applied_to_the_management_fee_once(bw):
    generate(bw, period="2026-08")
    closed_survey(bw, period="2026Q3", scores=[5, 4, 4, 3])  # 75 % satisfied → 90 %
    bill = Bill.objects.get(unit=bw.unit, period="2026-08")
    result = services.fee_settlements_apply(actor=bw.manager, project=bw.project, period="2026-08")
    assert result["settled"] == 2
    settlement = FeeSettlement.objects.get(bill=bill)
    assert settlement.base == Decimal("223.75")
    assert settlement.satisfied_share == Decimal("0.7500") and settlement.fee_percent == Decimal("90.00")
    assert settlement.amount_due == Decimal("201.38")  # 223.75 × 90 % = 201.375, half up
    row = selectors.with_amounts(Bill.objects.filter(pk=bill.pk)).get()
    assert row.outstanding == Decimal("201.38")
    # Twice (or the job) changes nothing.
    again = services.fee_settlements_apply(actor=bw.manager, project=bw.project, period="2026-08")
    assert again["settled"] == 0 and again["existing"] == 2
    assert services.fee_settlements_scheduled() == 0
    assert LedgerEntry.objects.filter(bill=bill, kind=EntryKind.ADJUSTMENT).count() == 1
