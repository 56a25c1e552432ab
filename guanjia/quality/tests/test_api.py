import datetime

import pytest
from django.utils import timezone

from guanjia.core.models import ObjectChange
from guanjia.quality import services
from guanjia.quality.models import Audit, AuditResult, CorrectiveAction, NonConformance
from guanjia.quality.tests.conftest import fill
from guanjia.testing.api import Api


@pytest.fixture
def audit(qw):
    return services.audit_create(
        actor=qw.auditor, data={"project_id": qw.project.pk, "template_id": qw.template.pk}
    )


def test_templates_list_detail_and_import(qw):
    api = Api(qw.quality)
    listed = api.get("audit-templates").json()
    assert listed["count"] == 1
    detail = api.get(f"audit-templates/{qw.template.pk}").json()
    assert len(detail["items"]) == 25 and detail["items"][0]["frequency"] == "quarterly"
    rows = [
        {
            "section": "环境",
            "standard": "大堂地面无污渍",
            "methods": ["看"],
            "frequency": "monthly",
            "sample": "抽查1处",
            "check": "看：大堂地面",
            "criterion": "有污渍：不合格",
            "physical": True,
        }
    ]
    created = api.post("audit-templates", {"code": "env", "name": "环境核查", "rows": rows})
    assert created.status_code == 201, created.content
    assert created.json()["items"][0]["key"] == "1.1"
    bad = api.post("audit-templates", {"code": "env2", "name": "x", "rows": [{**rows[0], "methods": ["听"]}]})
    assert bad.status_code == 422 and "rows.0.methods.0" in bad.json()["errors"]
    assert api.post("audit-templates", {"code": "env", "name": "again", "rows": rows}).status_code == 422
    assert (
        Api(qw.manager).post("audit-templates", {"code": "m", "name": "m", "rows": rows}).status_code == 403
    )
    assert Api(qw.foreign_admin).get(f"audit-templates/{qw.template.pk}").status_code == 404
    assert Api().get("audit-templates").status_code == 401


def test_audit_results_autosave_submit_and_lock(qw, audit):
    api = Api(qw.auditor)
    results = api.get(f"audits/{audit.pk}/results").json()
    assert len(results) == 25 and results[0]["key"] == "1.1"
    rid = results[0]["id"]
    saved = api.patch(f"audits/{audit.pk}/results/{rid}", {"outcome": "fail", "note": "前台答不出"})
    assert saved.status_code == 200 and saved.json()["outcome"] == "fail"
    assert api.patch(f"audits/{audit.pk}/results/{rid}", {"outcome": "bad"}).status_code == 422
    assert Api(qw.quality).patch(f"audits/{audit.pk}/results/{rid}", {"outcome": "pass"}).status_code == 403
    assert api.post(f"audits/{audit.pk}/submit", {}).status_code == 422
    fill(audit, qw.auditor, fail_keys={"1.1"})
    submitted = api.post(f"audits/{audit.pk}/submit", {"summary": "总体良好"})
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["status"] == "submitted" and body["score"] == "96.0"
    assert len(body["sections"]) == 9
    assert api.post(f"audits/{audit.pk}/submit", {}).status_code == 409
    assert api.patch(f"audits/{audit.pk}/results/{rid}", {"outcome": "pass"}).status_code == 409
    assert AuditResult.objects.get(pk=rid).outcome == "fail"
    assert ObjectChange.objects.filter(
        object_id=str(audit.pk), content_type__model="audit", source="api"
    ).exists()


def test_corrective_action_loop_over_the_api(qw, audit):
    fill(audit, qw.auditor, fail_keys={"3.2"})
    services.audit_submit(actor=qw.auditor, audit=audit)
    nc = NonConformance.objects.get(audit=audit)
    deadline = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    assert (
        Api(qw.desk)
        .post(f"nonconformances/{nc.pk}/assign", {"owner_id": qw.staff["owner"].pk, "deadline": deadline})
        .status_code
        == 403
    )
    assigned = Api(qw.manager).post(
        f"nonconformances/{nc.pk}/assign", {"owner_id": qw.staff["owner"].pk, "deadline": deadline}
    )
    assert assigned.status_code == 201, assigned.content
    ca_id = assigned.json()["id"]
    owner = Api(qw.owner)
    assert owner.get(f"corrective-actions/{ca_id}").json()["allowed_actions"] == ["submit"]
    assert owner.post(f"corrective-actions/{ca_id}/submit", {}).status_code == 422
    assert owner.post(f"corrective-actions/{ca_id}/submit", {"done_note": "已培训"}).status_code == 200
    auditor = Api(qw.auditor)
    assert owner.post(f"corrective-actions/{ca_id}/accept", {}).status_code == 403
    assert auditor.post(f"corrective-actions/{ca_id}/reject", {}).status_code == 422
    assert (
        auditor.post(f"corrective-actions/{ca_id}/reject", {"reason": "未见培训记录"}).json()["status"]
        == "rejected"
    )
    assert owner.post(f"corrective-actions/{ca_id}/submit", {"done_note": "补培训记录"}).status_code == 200
    assert auditor.post(f"corrective-actions/{ca_id}/accept", {}).json()["status"] == "closed"
    assert auditor.post(f"corrective-actions/{ca_id}/accept", {}).status_code == 409
    assert auditor.post(f"corrective-actions/{ca_id}/explode", {}).status_code == 422
    assert Api(qw.sibling_desk).get(f"corrective-actions/{ca_id}").status_code == 404
    assert auditor.get(f"nonconformances/{nc.pk}").json()["status"] == "closed"
    assert CorrectiveAction.objects.get(pk=ca_id).round == 2


def test_mystery_audit_hidden_from_estate_over_the_api(qw):
    mystery = services.audit_create(
        actor=qw.quality, data={"project_id": qw.project.pk, "template_id": qw.template.pk, "kind": "mystery"}
    )
    manager = Api(qw.manager)
    assert manager.get(f"audits/{mystery.pk}").status_code == 404
    assert manager.get(f"audits/{mystery.pk}/results").status_code == 404
    assert mystery.pk not in {a["id"] for a in manager.get("audits").json()["items"]}
    assert Api(qw.quality).get(f"audits/{mystery.pk}").status_code == 200
    fill(mystery, qw.quality)
    services.audit_submit(actor=qw.quality, audit=mystery)
    assert manager.get(f"audits/{mystery.pk}").status_code == 200


def test_list_queries_constant_in_page_size(qw, django_assert_max_num_queries):
    for _ in range(6):
        a = services.audit_create(
            actor=qw.quality, data={"project_id": qw.project.pk, "template_id": qw.template.pk}
        )
        fill(a, qw.quality, fail_keys={"3.2"})
        services.audit_submit(actor=qw.quality, audit=a)
    api = Api(qw.quality)
    for path in ("audits", "nonconformances"):
        api.get(path, page_size=1)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as small:
            assert api.get(path, page_size=1).status_code == 200
        with CaptureQueriesContext(connection) as large:
            assert len(api.get(path, page_size=6).json()["items"]) == 6
        assert len(large) == len(small), path
    assert Audit.objects.count() == 6
