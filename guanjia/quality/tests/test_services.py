import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.notifications.models import Notification
from guanjia.quality import services
from guanjia.quality.choices import AuditStatus, CaStatus, NcStatus
from guanjia.quality.models import (
    Audit,
    AuditResult,
    ChecklistItem,
    CorrectiveEscalation,
    NonConformance,
    QualitySettings,
)
from guanjia.quality.tests.conftest import fill, make_plan


def test_install_default_is_idempotent(qw):
    again = services.template_install_default(company=qw.company)
    assert again.pk == qw.template.pk
    assert ChecklistItem.objects.filter(template=qw.template).count() == 25


def test_planning_makes_each_periods_audits_exactly_once(qw):
    plan = make_plan(qw)
    day = datetime.date(2026, 1, 15)
    made = services.plan_audits(today=day)
    # January: the monthly, the quarterly and the yearly audit.
    assert made == 3
    assert services.plan_audits(today=day) == 0
    assert services.plan_audits(today=datetime.date(2026, 1, 31)) == 0
    audits = {a.frequency: a for a in Audit.objects.filter(plan=plan)}
    assert audits["monthly"].results.count() == 2
    assert audits["quarterly"].results.count() == 21
    assert audits["yearly"].results.count() == 2
    assert audits["quarterly"].period_start == datetime.date(2026, 1, 1)
    assert audits["quarterly"].due_date == datetime.date(2026, 3, 31)
    # February: only the monthly one is new; April: monthly and quarterly.
    assert services.plan_audits(today=datetime.date(2026, 2, 1)) == 1
    assert services.plan_audits(today=datetime.date(2026, 4, 1)) == 2
    assert Audit.objects.filter(plan=plan).count() == 6
    # The database refuses a second audit of the same plan, frequency and period.
    with pytest.raises(IntegrityError), transaction.atomic():
        Audit.objects.create(
            company=qw.company,
            project=qw.project,
            plan=plan,
            template=qw.template,
            number="dup",
            frequency="monthly",
            period_start=datetime.date(2026, 1, 1),
            auditor=qw.staff["quality"],
        )


def test_planner_journal_and_inactive_plans(qw):
    plan = make_plan(qw)
    plan.is_active = False
    plan.save()
    assert services.plan_audits(today=datetime.date(2026, 5, 3)) == 0
    plan.is_active = True
    plan.save()
    assert services.plan_audits(today=datetime.date(2026, 5, 3)) == 3  # month, quarter, year
    audit = Audit.objects.filter(plan=plan).first()
    assert ObjectChange.objects.filter(object_id=str(audit.pk), action="create").exists()


def _audit(qw, user="quality", **kwargs):
    return services.audit_create(
        actor=getattr(qw, user), data={"project_id": qw.project.pk, "template_id": qw.template.pk, **kwargs}
    )


def test_score_weights_and_na_excluded(qw):
    audit = _audit(qw)
    heavy = audit.results.get(item__key="1.1").item
    heavy.weight = Decimal("3")
    heavy.save()
    fill(audit, qw.quality, fail_keys={"1.1"}, na_keys={"2.1", "2.2"})
    services.audit_submit(actor=qw.quality, audit=audit)
    audit.refresh_from_db()
    # 23 applicable items: weight 3 failed, 22 × 1 passed → 22 / 25.
    assert audit.score == Decimal("88.0")
    first = next(s for s in services.section_scores(audit) if s["title"] == "主动帮助")
    assert first["score"] == Decimal("57.1")  # 4 / 7
    second = next(s for s in services.section_scores(audit) if s["title"] == "便民物品配备")
    assert (second["score"], second["na"]) == (Decimal("100.0"), 2)


def test_only_the_auditor_records_and_submit_locks(qw):
    audit = _audit(qw)
    result = audit.results.first()
    with pytest.raises(NotAllowed):
        services.audit_record(actor=qw.manager, result=result, data={"outcome": "pass"})
    with pytest.raises(ValidationError) as exc:
        services.audit_record(actor=qw.quality, result=result, data={"outcome": "maybe"})
    assert "outcome" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.audit_submit(actor=qw.quality, audit=audit)
    assert "results" in exc.value.message_dict
    fill(audit, qw.quality)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS
    services.audit_submit(actor=qw.quality, audit=audit)
    with pytest.raises(Conflict):
        services.audit_record(actor=qw.quality, result=result, data={"outcome": "fail"})
    with pytest.raises(Conflict):
        services.audit_submit(actor=qw.quality, audit=audit)
    assert AuditResult.objects.get(pk=result.pk).outcome == "pass"


def test_failure_needs_evidence(qw):
    audit = _audit(qw)
    fill(audit, qw.quality)
    services.audit_record(
        actor=qw.quality, result=audit.results.get(item__key="3.2"), data={"outcome": "fail"}
    )
    with pytest.raises(ValidationError) as exc:
        services.audit_submit(actor=qw.quality, audit=audit)
    assert "3.2" in str(exc.value)


def _failed_audit(qw, keys=("3.2",), user="quality"):
    audit = _audit(qw, user=user)
    fill(audit, getattr(qw, user), fail_keys=set(keys))
    services.audit_submit(actor=getattr(qw, user), audit=audit)
    return audit


def test_full_loop_fail_assign_reject_redo_verify(qw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit = _failed_audit(qw, user="auditor")
    nc = NonConformance.objects.get(audit=audit)
    assert (nc.status, nc.item_key, nc.recurring) == (NcStatus.OPEN, "3.2", False)
    assert "答不出" in nc.evidence
    assert Notification.objects.filter(recipient=qw.manager, subject__contains=audit.number).exists()
    deadline = timezone.now() + datetime.timedelta(days=3)
    # The desk cannot assign; the project manager can, to a staff member of the project.
    with pytest.raises(NotAllowed):
        services.nc_assign(
            actor=qw.desk, nc=nc, data={"owner_id": qw.staff["owner"].pk, "deadline": deadline}
        )
    with pytest.raises(ValidationError) as exc:
        services.nc_assign(
            actor=qw.manager, nc=nc, data={"owner_id": qw.staff["quality"].pk, "deadline": deadline}
        )
    assert "owner_id" in exc.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        ca = services.nc_assign(
            actor=qw.manager, nc=nc, data={"owner_id": qw.staff["owner"].pk, "deadline": deadline}
        )
    assert Notification.objects.filter(recipient=qw.owner, subject__contains=nc.number).exists()
    with pytest.raises(Conflict):
        services.nc_assign(
            actor=qw.manager, nc=nc, data={"owner_id": qw.staff["owner"].pk, "deadline": deadline}
        )
    # Only the owner submits; the verifier is the auditor, never the owner.
    with pytest.raises(NotAllowed):
        services.ca_act(actor=qw.auditor, action=ca, name="submit", data={"done_note": "x"})
    with pytest.raises(ValidationError):
        services.ca_act(actor=qw.owner, action=ca, name="submit", data={})
    with pytest.raises(Conflict):
        services.ca_act(actor=qw.auditor, action=ca, name="accept", data={})
    services.ca_act(actor=qw.owner, action=ca, name="submit", data={"done_note": "已培训前台"})
    with pytest.raises(NotAllowed):
        services.ca_act(actor=qw.owner, action=ca, name="accept", data={})
    with pytest.raises(ValidationError) as exc:
        services.ca_act(actor=qw.auditor, action=ca, name="reject", data={})
    assert "reason" in exc.value.message_dict
    services.ca_act(actor=qw.auditor, action=ca, name="reject", data={"reason": "抽查仍答不出"})
    ca.refresh_from_db()
    assert (ca.status, ca.round, ca.reject_reason) == (CaStatus.REJECTED, 2, "抽查仍答不出")
    services.ca_act(actor=qw.owner, action=ca, name="submit", data={"done_note": "再次培训并考核"})
    services.ca_act(actor=qw.auditor, action=ca, name="accept", data={})
    ca.refresh_from_db()
    nc.refresh_from_db()
    assert ca.status == CaStatus.CLOSED and ca.on_time
    assert nc.status == NcStatus.CLOSED and nc.closed_at is not None
    with pytest.raises(Conflict):
        services.ca_act(actor=qw.auditor, action=ca, name="reject", data={"reason": "x"})
    changes = ObjectChange.objects.filter(object_id=str(ca.pk), content_type__model="correctiveaction")
    assert changes.count() == 5  # created (assigned), submitted, rejected, submitted, accepted


def test_recurrence_within_window_needs_prevention(qw):
    first = _failed_audit(qw)
    again = _failed_audit(qw)
    nc1 = NonConformance.objects.get(audit=first)
    nc2 = NonConformance.objects.get(audit=again)
    assert not nc1.recurring
    assert nc2.recurring and nc2.recurrence_of == nc1 and nc2.needs_prevention
    ca = services.nc_assign(
        actor=qw.manager,
        nc=nc2,
        data={"owner_id": qw.staff["owner"].pk, "deadline": timezone.now() + datetime.timedelta(days=2)},
    )
    with pytest.raises(ValidationError) as exc:
        services.ca_act(actor=qw.owner, action=ca, name="submit", data={"done_note": "已培训"})
    assert "preventive_action" in exc.value.message_dict
    services.ca_act(
        actor=qw.owner,
        action=ca,
        name="submit",
        data={"done_note": "已培训", "root_cause": "新员工未培训", "preventive_action": "入职培训加入此项"},
    )
    nc2.refresh_from_db()
    assert not nc2.needs_prevention and nc2.root_cause == "新员工未培训"


def test_recurrence_window_is_configurable(qw):
    QualitySettings.objects.create(company=qw.company, recurrence_days=10)
    first = _failed_audit(qw)
    NonConformance.objects.filter(audit=first).update(raised_at=timezone.now() - datetime.timedelta(days=11))
    second = _failed_audit(qw)
    assert not NonConformance.objects.get(audit=second).recurring
    # Another project's failure of the same item is not a recurrence here.
    assert NonConformance.objects.filter(recurring=True).count() == 0


def test_overdue_escalates_each_step_exactly_once(qw, django_capture_on_commit_callbacks):
    nc = NonConformance.objects.get(audit=_failed_audit(qw))
    ca = services.nc_assign(
        actor=qw.manager,
        nc=nc,
        data={"owner_id": qw.staff["owner"].pk, "deadline": timezone.now() + datetime.timedelta(hours=1)},
    )
    now = timezone.now()
    assert services.escalate_overdue(now=now) == 0
    later = ca.deadline + datetime.timedelta(minutes=5)
    assert services.escalate_overdue(now=later) == 1
    assert services.escalate_overdue(now=later) == 0
    assert Notification.objects.filter(recipient=qw.owner, subject__contains="整改超期").count() >= 1
    much_later = ca.deadline + datetime.timedelta(days=4)
    assert services.escalate_overdue(now=much_later) == 2
    assert services.escalate_overdue(now=much_later) == 0
    steps = list(CorrectiveEscalation.objects.filter(action=ca).values_list("step", flat=True))
    assert sorted(steps) == [1, 2, 3]
    assert Notification.objects.filter(recipient=qw.manager, subject__contains="整改超期").exists()
    assert Notification.objects.filter(recipient=qw.quality, subject__contains="整改超期").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectiveEscalation.objects.create(
            company=qw.company, project=qw.project, action=ca, step=1, happened_at=now
        )
    # A submitted action no longer escalates.
    ca2_nc = NonConformance.objects.get(audit=_failed_audit(qw))
    ca2 = services.nc_assign(
        actor=qw.manager,
        nc=ca2_nc,
        data={"owner_id": qw.staff["owner"].pk, "deadline": timezone.now() + datetime.timedelta(hours=1)},
    )
    services.ca_act(
        actor=qw.owner,
        action=ca2,
        name="submit",
        data={"done_note": "ok", "root_cause": "a", "preventive_action": "b"},
    )
    assert services.escalate_overdue(now=ca2.deadline + datetime.timedelta(days=5)) == 0


def test_physical_failure_raises_a_linked_request(qw):
    from guanjia.tickets.choices import Channel

    audit = _failed_audit(qw, keys=("3.1", "3.2"))
    physical = NonConformance.objects.get(audit=audit, item_key="3.1")
    service_only = NonConformance.objects.get(audit=audit, item_key="3.2")
    with pytest.raises(ValidationError):
        services.nc_raise_ticket(actor=qw.manager, nc=physical, data={})
    ticket = services.nc_raise_ticket(actor=qw.manager, nc=physical, data={"location": "地库入口窨井盖"})
    assert ticket.channel == Channel.AUDIT and ticket.project_id == qw.project.pk
    physical.refresh_from_db()
    assert physical.ticket_id == ticket.pk
    assert list(ticket.quality_nonconformances.all()) == [physical]
    with pytest.raises(Conflict):
        services.nc_raise_ticket(actor=qw.manager, nc=physical, data={"location": "x"})
    with pytest.raises(Conflict):
        services.nc_raise_ticket(actor=qw.manager, nc=service_only, data={"location": "x"})
    with pytest.raises(NotAllowed):
        services.nc_raise_ticket(actor=qw.auditor, nc=physical, data={"location": "x"})


def test_mystery_audits_hidden_from_the_estate_until_submitted(qw):
    audit = _audit(qw, kind="mystery")
    for user in (qw.manager, qw.desk):
        assert not Audit.objects.visible_to(user).filter(pk=audit.pk).exists()
        assert not AuditResult.objects.visible_to(user).filter(audit=audit).exists()
    assert Audit.objects.visible_to(qw.quality).filter(pk=audit.pk).exists()
    assert Audit.objects.visible_to(qw.auditor).filter(pk=audit.pk).exists()
    open_audit = _audit(qw)
    assert Audit.objects.visible_to(qw.manager).filter(pk=open_audit.pk).exists()
    fill(audit, qw.quality)
    services.audit_submit(actor=qw.quality, audit=audit)
    assert Audit.objects.visible_to(qw.manager).filter(pk=audit.pk).exists()
    assert AuditResult.objects.visible_to(qw.manager).filter(audit=audit).count() == 25


def test_template_versions_frozen_once_used(qw):
    item = qw.template.items.get(key="1.1")
    services.template_item_update(actor=qw.quality, item=item, data={"weight": "2", "check": "问：新问法"})
    item.refresh_from_db()
    assert item.weight == Decimal("2") and item.check_method == "问：新问法"
    with pytest.raises(ValidationError):
        services.template_item_update(actor=qw.quality, item=item, data={"frequency": "weekly"})
    audit = _audit(qw)
    with pytest.raises(Conflict):
        services.template_item_update(actor=qw.quality, item=item, data={"weight": "3"})
    v2 = services.template_revise(actor=qw.quality, template=qw.template)
    assert (v2.version, v2.code, v2.items.count()) == (2, qw.template.code, 25)
    services.template_item_update(actor=qw.quality, item=v2.items.get(key="1.1"), data={"weight": "5"})
    audit.refresh_from_db()
    assert audit.template_id == qw.template.pk
    assert audit.results.get(item__key="1.1").item.weight == Decimal("2")
    copy = services.template_copy(actor=qw.quality, template=v2, code="my-list", name="我的核查表")
    assert copy.items.get(key="1.1").weight == Decimal("5")
    with pytest.raises(NotAllowed):
        services.template_copy(actor=qw.manager, template=v2, code="x", name="x")
    with pytest.raises(ValidationError):
        services.template_copy(actor=qw.quality, template=v2, code="my-list", name="again")


def test_plan_auditor_must_be_quality_or_given_the_project(qw):
    data = {"project_id": qw.sibling_project.pk, "template_id": qw.template.pk}
    with pytest.raises(ValidationError) as exc:
        services.plan_create(actor=qw.quality, data={**data, "auditor_id": qw.staff["auditor"].pk})
    assert "auditor_id" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.plan_create(actor=qw.quality, data={**data, "auditor_id": qw.staff["desk"].pk})
    plan = services.plan_create(actor=qw.quality, data={**data, "auditor_id": qw.staff["quality"].pk})
    assert plan.project_id == qw.sibling_project.pk
    with pytest.raises(NotAllowed):
        services.plan_create(actor=qw.auditor, data={**data, "auditor_id": qw.staff["auditor"].pk})
