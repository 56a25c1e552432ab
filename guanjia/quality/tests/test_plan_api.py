"""Audit plans through the API (``/api/v1/audit-plans``): the common resource battery, plus what is
particular to plans — mystery plans hidden from the estate, who may audit, and what deleting does
to the audits a plan has made."""

import datetime

import pytest

from guanjia.quality import services
from guanjia.quality.choices import AuditKind, AuditStatus
from guanjia.quality.models import Audit, AuditPlan
from guanjia.quality.tests.conftest import make_plan
from guanjia.staff.models import StaffMember
from guanjia.testing.api import Api, ScopedResourceBattery, ids

pytestmark = pytest.mark.django_db


class TestAuditPlans(ScopedResourceBattery):
    resource = "audit-plans"
    writer = "admin"  # company administrators and HQ quality manage plans
    update_payload = {"kind": "mystery", "frequencies": ["monthly"]}

    def make(self, world, project):
        return AuditPlan.objects.create(
            company=project.company,
            project=project,
            template=services.template_install_default(company=world.company),
            auditor=StaffMember.objects.get(user=world.admin),
        )

    def create_payload(self, world):
        return {
            "project_id": world.project.pk,
            "template_id": services.template_install_default(company=world.company).pk,
            "kind": "open",
            "auditor_id": StaffMember.objects.get(user=world.admin).pk,
            "frequencies": ["quarterly", "yearly"],
        }


def test_a_plan_reads_with_its_checklist_and_auditor(qw):
    created = Api(qw.quality).post(
        "audit-plans",
        {
            "project_id": qw.project.pk,
            "template_id": qw.template.pk,
            "auditor_id": qw.staff["auditor"].pk,
            "frequencies": ["yearly", "monthly"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["template_name"] == qw.template.name and body["template_version"] == 1
    assert body["auditor_name"] == "第三方核查员"
    assert body["kind"] == "open" and body["is_active"] is True
    assert body["frequencies"] == ["monthly", "yearly"]  # the checklist's order


def test_mystery_plans_are_hidden_from_the_estate(qw):
    mystery = make_plan(qw, kind=AuditKind.MYSTERY)
    open_plan = make_plan(qw)
    for user in (qw.desk, qw.manager):
        api = Api(user)
        assert ids(api.get("audit-plans")) == {open_plan.pk}
        assert api.get(f"audit-plans/{mystery.pk}").status_code == 404
    for user in (qw.quality, qw.auditor, qw.admin):
        assert ids(Api(user).get("audit-plans")) == {mystery.pk, open_plan.pk}
    # The console's plan list reads through the same scope.
    assert open_plan in AuditPlan.objects.visible_to(qw.desk)
    assert mystery not in AuditPlan.objects.visible_to(qw.desk)


def test_only_quality_managers_plan_and_only_auditors_audit(qw):
    payload = {
        "project_id": qw.project.pk,
        "template_id": qw.template.pk,
        "auditor_id": qw.staff["auditor"].pk,
    }
    assert Api(qw.manager).post("audit-plans", payload).status_code == 403
    assert Api(qw.auditor).post("audit-plans", payload).status_code == 403
    not_an_auditor = Api(qw.quality).post("audit-plans", {**payload, "auditor_id": qw.staff["desk"].pk})
    assert not_an_auditor.status_code == 422
    assert "auditor_id" in not_an_auditor.json()["errors"]
    # The third-party auditor is given P1 only.
    elsewhere = Api(qw.quality).post("audit-plans", {**payload, "project_id": qw.sibling_project.pk})
    assert elsewhere.status_code == 422 and "auditor_id" in elsewhere.json()["errors"]
    assert not AuditPlan.objects.exists()


def test_deleting_drops_untouched_audits_and_keeps_a_plan_with_work_done(qw):
    plan = make_plan(qw)
    services.plan_audits(today=datetime.date(2026, 4, 10))
    audits = list(Audit.objects.filter(plan=plan).order_by("frequency"))
    assert len(audits) == 3  # monthly, quarterly, yearly
    started = audits[0]
    result = started.results.first()
    services.audit_record(actor=qw.quality, result=result, data={"outcome": "pass", "sample_taken": "前台"})
    api = Api(qw.quality)

    assert api.delete(f"audit-plans/{plan.pk}").status_code == 204

    assert list(Audit.objects.filter(plan=plan)) == [started]
    assert Audit.objects.get(pk=started.pk).status == AuditStatus.IN_PROGRESS
    kept = api.get(f"audit-plans/{plan.pk}")
    assert kept.status_code == 200 and kept.json()["is_active"] is False
    # The planner makes nothing more from it.
    assert services.plan_audits(today=datetime.date(2026, 5, 10)) == 0


def test_deleting_a_plan_without_audits_removes_it(qw):
    plan = make_plan(qw)
    assert Api(qw.quality).delete(f"audit-plans/{plan.pk}").status_code == 204
    assert not AuditPlan.objects.filter(pk=plan.pk).exists()
