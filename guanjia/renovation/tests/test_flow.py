"""The whole renovation, as people live it: the owner applies in the portal, engineering and the PM
approve, the fees are billed and paid through the fee ledger, the permit is issued, the day's patrol
finds one violation (photos, deadline), it is rectified, the completion inspection returns the unit
to normal, and the deposit less a deduction is refunded with a second person's approval."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.billing import services as billing
from guanjia.billing.choices import CorrectionStatus, EntryKind
from guanjia.billing.models import Correction, LedgerEntry
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.estates.models import Unit
from guanjia.notifications.models import Notification
from guanjia.renovation import services
from guanjia.renovation.choices import RenovationStatus
from guanjia.renovation.models import Patrol, PatrolStop, Renovation
from guanjia.renovation.tests.conftest import application, later, pdf, png
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


def _kinds(user) -> set[str]:
    return set(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_application_to_deposit_refund_with_one_violation(rw):
    unit_status = Unit.objects.get(pk=rw.unit.pk).status
    # The owner applies for a structural renovation of their own unit, with a plan.
    renovation = services.renovation_apply(
        actor=rw.resident_user, data=application(rw.unit, structural=True), plans=[pdf()]
    )
    assert renovation.status == RenovationStatus.ENGINEERING
    assert renovation.channel == "portal" and renovation.applicant_id == rw.resident.pk
    assert renovation.step_due_at > timezone.now()
    assert renovation.plans.count() == 1 and renovation.workers.count() == 2
    assert "renovation.submitted" in _kinds(rw.engineer)

    # Engineering approves; structural works wait for the PM.
    renovation = services.renovation_approve(actor=rw.engineer, renovation=renovation, note="图纸无误")
    assert renovation.status == RenovationStatus.MANAGER
    assert "renovation.review" in _kinds(rw.manager)
    # A technician cannot decide the PM's step.
    with pytest.raises(NotAllowed):
        services.renovation_approve(actor=rw.technician, renovation=renovation)
    renovation = services.renovation_approve(actor=rw.manager, renovation=renovation)
    assert renovation.status == RenovationStatus.APPROVED
    assert "renovation.decided" in _kinds(rw.resident_user)

    # The fees as bills in the ledger; the permit waits until they are paid.
    renovation = services.renovation_bill(actor=rw.manager, renovation=renovation)
    assert renovation.deposit == Decimal("3000.00")
    assert renovation.fee_bill.total == Decimal("500.00")
    assert LedgerEntry.objects.filter(bill=renovation.deposit_bill, kind=EntryKind.CHARGE).exists()
    with pytest.raises(Exception) as refused:
        services.renovation_permit(actor=rw.desk, renovation=renovation)
    assert "fees" in refused.value.message_dict
    billing.payment_post(
        actor=rw.desk,
        data={
            "unit_id": rw.unit.pk,
            "amount": Decimal("3500"),
            "method": "cash",
            "idempotency_key": "reno-1",
        },
    )
    renovation = services.renovation_permit(actor=rw.desk, renovation=renovation)
    assert renovation.status == RenovationStatus.PERMITTED
    assert renovation.permit_until == renovation.ends_on
    assert Unit.objects.get(pk=rw.unit.pk).status == "renovating"
    passes = list(renovation.workers.values_list("pass_no", "valid_until"))
    assert all(no and until == renovation.ends_on for no, until in passes)
    assert "renovation.permit" in _kinds(rw.resident_user)

    # The patrol list of the permit's first day: made once however often the job runs.
    day = renovation.permit_from
    assert services.make_patrols(day=day) == 1
    assert services.make_patrols(day=day) == 0
    assert Patrol.objects.filter(project=rw.project, day=day).count() == 1
    stop = PatrolStop.objects.get(renovation=renovation)

    # One violation with a photo and a deadline.
    violation = services.violation_record(
        actor=rw.patroller,
        renovation=renovation,
        stop=stop,
        data={"kind": "rubbish", "note": "楼道堆放装修垃圾", "rectify_by": later(days=1)},
        photos=[png()],
    )
    assert violation.photos.count() == 1
    assert PatrolStop.objects.get(pk=stop.pk).ok is False
    assert "renovation.violation" in _kinds(rw.resident_user)
    renovation.refresh_from_db()
    assert renovation.status == RenovationStatus.PERMITTED  # one violation does not stop the works

    # Completion is refused while a violation is open; rectified, it passes.
    with pytest.raises(Exception) as refused:
        services.renovation_complete(actor=rw.engineer, renovation=renovation)
    assert "note" in refused.value.message_dict
    services.violation_rectify(actor=rw.patroller, violation=violation)
    services.deduction_record(
        actor=rw.engineer,
        renovation=renovation,
        data={"amount": "200", "reason": "楼道清运费", "violation_id": violation.pk},
    )
    renovation = services.renovation_complete(actor=rw.engineer, renovation=renovation, note="验收合格")
    assert renovation.status == RenovationStatus.COMPLETED
    assert Unit.objects.get(pk=rw.unit.pk).status == unit_status
    assert not renovation.workers.filter(revoked_at__isnull=True).exists()

    # A refund larger than what is left of the deposit is refused, naming the amount.
    with pytest.raises(Exception) as refused:
        services.refund_request(actor=rw.desk, renovation=renovation, data={"amount": "3000"})
    assert "amount" in refused.value.message_dict
    renovation = services.refund_request(actor=rw.desk, renovation=renovation)
    assert renovation.status == RenovationStatus.REFUNDING
    correction = Correction.objects.get(pk=renovation.refund_id)
    assert correction.amount == Decimal("2800.00") and correction.status == CorrectionStatus.PENDING
    # The four eyes: the one who asked cannot approve (the desk also lacks the right).
    with pytest.raises(NotAllowed):
        services.refund_decide(actor=rw.desk, renovation=renovation, approve=True)
    renovation = services.refund_decide(actor=rw.manager, renovation=renovation, approve=True)
    assert renovation.status == RenovationStatus.CLOSED
    refunds = LedgerEntry.objects.filter(correction=correction, kind=EntryKind.REFUND)
    assert sum(e.amount for e in refunds) == Decimal("2800.00")
    assert "renovation.refund" in _kinds(rw.resident_user)

    # The timeline tells it all, and every change was journaled.
    actions = list(renovation.events.values_list("action", flat=True))
    assert actions == [
        "submitted",
        "engineering_approved",
        "manager_approved",
        "billed",
        "permitted",
        "violation",
        "rectified",
        "deducted",
        "completed",
        "refund_requested",
        "refunded",
    ]
    assert ObjectChange.objects.filter(object_repr=renovation.number).count() >= 8

    # The owner sees it in the portal.
    client = Client()
    client.force_login(rw.resident_user)
    page = client.get("/portal/renovation/")
    assert page.status_code == 200
    text = page.content.decode()
    assert renovation.permit_no in text and "装修垃圾乱堆" in text and "2800" in text


def test_repeated_violations_stop_the_permit(rw, settings):
    settings.RENOVATION_STOP_AFTER_VIOLATIONS = 2
    renovation = _permitted(rw)
    for kind in ("noise", "fire"):
        services.violation_record(
            actor=rw.patroller,
            renovation=renovation,
            data={"kind": kind, "note": "现场发现", "rectify_by": later(hours=4)},
            photos=[png()],
        )
    renovation.refresh_from_db()
    assert renovation.status == RenovationStatus.STOPPED
    assert "2" in renovation.stopped_reason
    assert "renovation.stopped" in _kinds(rw.resident_user)
    # A stopped renovation is not on the next day's patrol list.
    assert not services.in_force(timezone.localdate()).filter(pk=renovation.pk).exists()
    # The PM may let it resume only once every violation is rectified.
    with pytest.raises(Exception) as refused:
        services.renovation_resume(actor=rw.manager, renovation=renovation, note="已整改")
    assert "note" in refused.value.message_dict
    for v in renovation.violations.all():
        services.violation_rectify(actor=rw.patroller, violation=v)
    renovation = services.renovation_resume(actor=rw.manager, renovation=renovation, note="已整改")
    assert renovation.status == RenovationStatus.PERMITTED


def _permitted(rw, unit=None, **extra) -> Renovation:
    unit = unit or rw.unit
    renovation = services.renovation_apply(
        actor=rw.desk, data=application(unit, applicant_name="业主", applicant_phone="13900000000", **extra)
    )
    renovation = services.renovation_approve(actor=rw.engineer, renovation=renovation)
    renovation = services.renovation_bill(actor=rw.manager, renovation=renovation)
    billing.payment_post(
        actor=rw.desk,
        data={
            "unit_id": unit.pk,
            "amount": Decimal("3500"),
            "method": "cash",
            "idempotency_key": f"k{renovation.pk}",
        },
    )
    return services.renovation_permit(actor=rw.desk, renovation=renovation)


def test_overlapping_applications_and_permits_for_a_unit_are_refused(rw):
    first = _permitted(rw)
    with pytest.raises(Exception) as refused:
        services.renovation_apply(actor=rw.resident_user, data=application(rw.unit))
    assert "starts_on" in refused.value.message_dict
    # After the first ends, a new one can follow.
    after = first.ends_on + datetime.timedelta(days=1)
    later_one = services.renovation_apply(
        actor=rw.resident_user,
        data=application(rw.unit, starts_on=after, ends_on=after + datetime.timedelta(days=10)),
    )
    assert later_one.status == RenovationStatus.ENGINEERING


def test_approval_deadlines_escalate_once_per_step(rw):
    from guanjia.renovation.escalation import escalate_due
    from guanjia.renovation.models import RenovationEscalation

    renovation = services.renovation_apply(actor=rw.resident_user, data=application(rw.unit))
    due = renovation.step_due_at
    assert escalate_due(now=due - datetime.timedelta(minutes=1)) == 0
    assert escalate_due(now=due + datetime.timedelta(minutes=1)) == 1
    assert escalate_due(now=due + datetime.timedelta(minutes=2)) == 0  # again: nothing new
    assert "renovation.overdue" in _kinds(rw.engineer)
    assert escalate_due(now=due + datetime.timedelta(days=1, minutes=1)) == 1
    assert "renovation.overdue" in _kinds(rw.manager)
    assert RenovationEscalation.objects.filter(renovation=renovation).count() == 2
    renovation.refresh_from_db()
    assert renovation.escalation_step == 2
    # Deciding resets the clock for the next step.
    renovation = services.renovation_approve(actor=rw.engineer, renovation=renovation)
    assert renovation.status == RenovationStatus.APPROVED and renovation.step_due_at is None


def test_missed_rectification_escalates(rw):
    from guanjia.renovation.escalation import escalate_due

    renovation = _permitted(rw)
    violation = services.violation_record(
        actor=rw.patroller,
        renovation=renovation,
        data={"kind": "structure", "note": "拆改承重墙", "rectify_by": later(hours=2)},
        photos=[png()],
    )
    assert escalate_due(now=violation.rectify_by + datetime.timedelta(minutes=1)) == 1
    assert escalate_due(now=violation.rectify_by + datetime.timedelta(minutes=5)) == 0
    assert "renovation.violation_overdue" in _kinds(rw.engineer)
    assert escalate_due(now=violation.rectify_by + datetime.timedelta(days=1, minutes=1)) == 1
    assert "renovation.violation_overdue" in _kinds(rw.manager)
    violation.refresh_from_db()
    assert violation.escalation_step == 2


def test_approving_twice_is_a_conflict_and_nothing_changes(rw):
    renovation = services.renovation_apply(actor=rw.resident_user, data=application(rw.unit))
    stale = Renovation.objects.get(pk=renovation.pk)
    services.renovation_approve(actor=rw.engineer, renovation=renovation)
    events = renovation.events.count()
    with pytest.raises(Conflict):
        services.renovation_approve(actor=rw.manager, renovation=stale)
    with pytest.raises(Conflict):
        services.renovation_reject(actor=rw.manager, renovation=stale, reason="晚了")
    assert renovation.events.count() == events
    renovation.refresh_from_db()
    assert renovation.engineering_by_id == rw.engineer.pk


def test_the_deposit_all_deducted_closes_without_a_refund(rw):
    renovation = _permitted(rw)
    renovation = services.renovation_complete(actor=rw.engineer, renovation=renovation)
    with pytest.raises(Exception) as refused:
        services.deduction_record(
            actor=rw.engineer, renovation=renovation, data={"amount": "3000.01", "reason": "x"}
        )
    assert "amount" in refused.value.message_dict
    services.deduction_record(
        actor=rw.engineer, renovation=renovation, data={"amount": "3000", "reason": "损坏公共设施"}
    )
    renovation = services.refund_request(actor=rw.desk, renovation=renovation)
    assert renovation.status == RenovationStatus.CLOSED and renovation.refund_id is None


def test_only_the_owner_applies_in_the_portal(rw):
    tenant = f.OccupancyFactory(unit=rw.unit, relation="tenant")
    tenant_user = f.make_resident_user(tenant.resident)
    with pytest.raises(Exception) as refused:
        services.renovation_apply(actor=tenant_user, data=application(rw.unit))
    assert "unit_id" in refused.value.message_dict
