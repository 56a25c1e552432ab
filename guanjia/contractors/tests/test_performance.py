"""Contractor performance on a constructed case: the contract's requests (its firm's people, its
equipment), its planned work, and the audits of its estate, per month and per quarter, clipped to
the contract's start, in a fixed number of queries."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from guanjia.boards.tests.conftest import make_deadline, make_ticket
from guanjia.contractors import services
from guanjia.contractors.performance import contract_performance
from guanjia.facilities.models import Equipment, EquipmentRepair, MaintenancePlan, MaintenanceTask
from guanjia.quality import services as quality
from guanjia.quality.choices import AuditStatus, Outcome
from guanjia.quality.models import Audit, AuditResult
from guanjia.sla.choices import Stage
from guanjia.staff.models import StaffMember

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 18, 10, 0, tzinfo=SH)


def at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=SH)


def _task(plan, equipment, due, done=None, assignee=None):
    return MaintenanceTask.objects.create(
        company_id=plan.company_id,
        project_id=plan.project_id,
        plan=plan,
        equipment=equipment,
        period_start=due.date(),
        period_end=due.date() + datetime.timedelta(days=1),
        due_at=due,
        team="engineering",
        assignee=assignee,
        done_at=done,
        status="done" if done else "pending",
    )


def _audit(cw, template, auditor, project, submitted, score, number):
    return Audit.objects.create(
        company=cw.company,
        project=project,
        template=template,
        number=number,
        auditor=auditor,
        status=AuditStatus.SUBMITTED,
        submitted_at=submitted,
        score=score,
    )


def test_performance_per_month_and_quarter(cw, django_assert_max_num_queries):
    contract = services.contract_update(
        actor=cw.admin,
        contract=cw.contract,
        data={"starts_on": datetime.date(2026, 1, 15), "ends_on": datetime.date(2026, 12, 31)},
    )
    worker = StaffMember.objects.get(user=cw.technician)
    services.worker_link(actor=cw.admin, data={"staff_member_id": worker.pk, "contractor_id": cw.firm.pk})
    desk = StaffMember.objects.get(user=cw.desk)
    sibling_desk = StaffMember.objects.get(user=cw.sibling_desk)
    pump = Equipment.objects.create(
        company=cw.company,
        project=cw.project,
        type=cw.lift.type,
        code="SB-01",
        name="水泵",
        qr_token="pump-1",
    )

    # Requests. T1: done by the firm's person — Feb: response and on site met, completion late.
    t1 = make_ticket(cw.project, first_contact=desk, received_at=at(2, 10, 8), assignee=worker)
    make_deadline(t1, Stage.RESPONSE, due_at=at(2, 10), done_at=at(2, 10, 9))
    make_deadline(t1, Stage.ON_SITE, due_at=at(2, 11), done_at=at(2, 11, 9))
    make_deadline(t1, Stage.COMPLETE, due_at=at(2, 12), done_at=at(2, 13))
    make_deadline(t1, Stage.FOLLOW_UP, due_at=at(2, 14), done_at=at(2, 20))  # not a work clock
    # T2: a repair of the covered lift by the company's own desk — Mar: on site met, completion running late.
    t2 = make_ticket(cw.project, first_contact=desk, received_at=at(3, 5, 8), assignee=desk)
    EquipmentRepair.objects.create(
        company=cw.company, project=cw.project, equipment=cw.lift, ticket=t2, rectify_by=at(3, 20)
    )
    make_deadline(t2, Stage.ON_SITE, due_at=at(3, 5), done_at=at(3, 5, 9))
    make_deadline(t2, Stage.COMPLETE, due_at=at(3, 10))
    # Not the contract's: the desk's own request, and the firm's person in an estate not covered.
    t3 = make_ticket(cw.project, first_contact=desk, received_at=at(2, 1), assignee=desk)
    make_deadline(t3, Stage.RESPONSE, due_at=at(2, 2), done_at=at(2, 1, 12))
    t4 = make_ticket(cw.sibling_project, first_contact=sibling_desk, received_at=at(2, 1), assignee=worker)
    make_deadline(t4, Stage.RESPONSE, due_at=at(2, 2), done_at=at(2, 3))

    # Planned work on the lift (due Jan 10 is before the contract: left out), the firm's person on
    # the pump, the company's own work on the pump (left out), one not yet due.
    plan = MaintenancePlan.objects.create(
        company=cw.company,
        project=cw.project,
        name="电梯保养",
        equipment=cw.lift,
        frequency="monthly",
        starts_on=datetime.date(2026, 1, 1),
        generate_from=datetime.date(2026, 1, 1),
    )
    _task(plan, cw.lift, at(1, 10), done=at(1, 12))
    _task(plan, cw.lift, at(1, 25), done=at(1, 20))
    _task(plan, cw.lift, at(2, 25), done=at(2, 27))
    _task(plan, cw.lift, at(3, 25))
    _task(plan, pump, at(3, 10), done=at(3, 9), assignee=worker)
    _task(plan, pump, at(2, 10), done=at(2, 9), assignee=desk)

    # Audits of the estate (and one of the sibling estate, left out).
    template = quality.template_install_default(company=cw.company)
    _audit(cw, template, desk, cw.project, at(2, 20), Decimal("90.0"), "A1")
    _audit(cw, template, desk, cw.project, at(2, 28), Decimal("80.0"), "A2")
    march = _audit(cw, template, desk, cw.project, at(3, 2), Decimal("70.0"), "A3")
    _audit(cw, template, desk, cw.sibling_project, at(2, 15), Decimal("10.0"), "A4")
    item = template.items.first()
    AuditResult.objects.create(
        company=cw.company, project=cw.project, audit=march, item=item, outcome=Outcome.FAIL
    )

    contract_performance(contract, cw.admin, now=NOW)  # the viewer's scope is read (and cached) once
    with django_assert_max_num_queries(5):
        months = contract_performance(contract, cw.admin, now=NOW)
    assert [m.label for m in months] == ["2026-03", "2026-02", "2026-01"]
    mar, feb, jan = months
    assert jan.start == datetime.date(2026, 1, 15)
    assert (feb.deadlines_on_time, feb.deadlines_judged, feb.deadline_rate) == (2, 3, Decimal("66.7"))
    assert (mar.deadlines_on_time, mar.deadlines_judged, mar.deadline_rate) == (1, 2, Decimal("50.0"))
    assert jan.deadlines_judged == 0 and jan.deadline_rate is None
    assert (jan.tasks_on_time, jan.tasks_due, jan.task_rate) == (1, 1, Decimal("100.0"))
    assert (feb.tasks_on_time, feb.tasks_due, feb.task_rate) == (0, 1, Decimal("0.0"))
    assert (mar.tasks_on_time, mar.tasks_due, mar.tasks_open) == (1, 1, 0)
    assert (feb.audits, feb.audit_mean, feb.audit_min) == (2, Decimal("85.0"), Decimal("80.0"))
    assert (mar.audits, mar.audit_mean, mar.audit_failed_lines) == (1, Decimal("70.0"), 1)

    (q1,) = contract_performance(contract, cw.admin, period="quarter", now=NOW)
    assert q1.label == "2026Q1"
    assert (q1.deadlines_on_time, q1.deadlines_judged, q1.deadline_rate) == (3, 5, Decimal("60.0"))
    assert (q1.tasks_on_time, q1.tasks_due, q1.task_rate) == (2, 3, Decimal("66.7"))
    assert (q1.audits, q1.audit_min, q1.audit_failed_lines) == (3, Decimal("70.0"), 1)
