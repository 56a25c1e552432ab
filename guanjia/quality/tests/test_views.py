import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from guanjia.quality import exporting, services
from guanjia.quality.choices import CaStatus
from guanjia.quality.models import AuditResult, ChecklistTemplate, CorrectiveAction, NonConformance
from guanjia.quality.tests.conftest import fill


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def audit(qw):
    return services.audit_create(
        actor=qw.auditor, data={"project_id": qw.project.pk, "template_id": qw.template.pk}
    )


def test_phone_audit_autosave_and_submit(qw, audit):
    client = client_for(qw.auditor)
    page = client.get(f"/quality/audits/{audit.pk}/")
    assert page.status_code == 200
    assert "在巡视时" in page.content.decode() and 'hx-post="/quality/audits/' in page.content.decode()
    result = audit.results.get(item__key="1.1")
    url = f"/quality/audits/{audit.pk}/results/{result.pk}/"
    saved = client.post(
        url, {"outcome": "fail", "note": "答不出", "sample_taken": "前台王"}, HTTP_HX_REQUEST="true"
    )
    assert saved.status_code == 200 and "已保存" in saved.content.decode()
    assert AuditResult.objects.get(pk=result.pk).outcome == "fail"
    bad = client.post(url, {"outcome": "nope"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert client_for(qw.manager).post(url, {"outcome": "pass"}).status_code == 403
    # Submitting with items left open: a message, nothing locked.
    client.post(f"/quality/audits/{audit.pk}/submit/")
    audit.refresh_from_db()
    assert audit.status != "submitted"
    fill(audit, qw.auditor, fail_keys={"1.1", "3.1"})
    response = client.post(f"/quality/audits/{audit.pk}/submit/", {"summary": "ok"}, follow=True)
    assert "已提交" in response.content.decode()
    assert client.post(url, {"outcome": "pass"}).status_code == 409
    pdf = client.get(f"/quality/audits/{audit.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 3000


def test_nc_pages_assign_submit_verify_and_ticket(qw, audit):
    fill(audit, qw.auditor, fail_keys={"3.1"})
    services.audit_submit(actor=qw.auditor, audit=audit)
    nc = NonConformance.objects.get(audit=audit)
    manager = client_for(qw.manager)
    page = manager.get(f"/quality/nonconformances/{nc.pk}/")
    assert page.status_code == 200 and 'data-testid="form-assign"' in page.content.decode()
    bad = manager.post(f"/quality/nonconformances/{nc.pk}/assign/", {"owner": qw.staff["owner"].pk})
    assert bad.status_code == 422
    deadline = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    manager.post(
        f"/quality/nonconformances/{nc.pk}/assign/", {"owner": qw.staff["owner"].pk, "deadline": deadline}
    )
    ca = CorrectiveAction.objects.get(nonconformance=nc)
    ticket = manager.post(f"/quality/nonconformances/{nc.pk}/ticket/", {"location": "车道窨井盖"})
    assert ticket.status_code == 302
    nc.refresh_from_db()
    assert nc.ticket is not None
    ticket_page = manager.get(f"/tickets/{nc.ticket_id}/")
    assert nc.number in ticket_page.content.decode()
    owner = client_for(qw.owner)
    owner.post(f"/quality/nonconformances/{nc.pk}/submit/", {"done_note": "已加装橡胶圈"})
    auditor = client_for(qw.auditor)
    assert auditor.post(f"/quality/nonconformances/{nc.pk}/reject/", {}).status_code == 422
    auditor.post(f"/quality/nonconformances/{nc.pk}/reject/", {"reason": "仍有噪音"})
    ca.refresh_from_db()
    assert ca.status == CaStatus.REJECTED
    owner.post(f"/quality/nonconformances/{nc.pk}/submit/", {"done_note": "更换为加厚橡胶圈"})
    auditor.post(f"/quality/nonconformances/{nc.pk}/accept/", {})
    ca.refresh_from_db()
    assert ca.status == CaStatus.CLOSED
    assert "已关闭" in manager.get(f"/quality/nonconformances/{nc.pk}/").content.decode()
    project_page = manager.get(f"/quality/projects/{qw.project.pk}/")
    assert project_page.status_code == 200 and audit.number in project_page.content.decode()


def test_xlsx_round_trip_and_figures(qw, audit):
    client = client_for(qw.quality)
    exported = client.get(f"/quality/templates/{qw.template.pk}/export.xlsx")
    assert exported.status_code == 200
    rows = exporting.read_template_xlsx(io.BytesIO(exported.content))
    assert len(rows) == 25 and rows[0]["section"] == "主动帮助" and rows[0]["frequency"] == "季度"
    upload = SimpleUploadedFile("list.xlsx", exported.content)
    response = client.post(
        "/quality/templates/import/", {"code": "copy-xlsx", "name": "导入的核查表", "file": upload}
    )
    assert response.status_code == 302
    imported = ChecklistTemplate.objects.get(code="copy-xlsx")
    assert services.template_rows(imported) == services.template_rows(qw.template)
    junk = SimpleUploadedFile("list.xlsx", b"not a workbook")
    response = client.post("/quality/templates/import/", {"code": "junk", "name": "x", "file": junk})
    assert response.status_code == 422
    fill(audit, qw.auditor, fail_keys={"3.2"})
    services.audit_submit(actor=qw.auditor, audit=audit)
    figures = client.get("/quality/figures/")
    assert figures.status_code == 200 and qw.project.name in figures.content.decode()
    export = client.get("/quality/figures/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    for path in (
        "/quality/",
        "/quality/nonconformances/",
        "/quality/templates/",
        "/quality/plans/",
        f"/quality/templates/{qw.template.pk}/",
        "/quality/audits/new/",
    ):
        assert client.get(path).status_code == 200, path


def test_checklist_export_writes_formula_like_text_as_text_and_imports_it_back(qw):
    from openpyxl import load_workbook

    from guanjia.quality.models import ChecklistItem

    evil = "=1+2"
    item = ChecklistItem.objects.filter(section__template=qw.template).order_by("id").first()
    ChecklistItem.objects.filter(pk=item.pk).update(standard=evil)
    exported = client_for(qw.quality).get(f"/quality/templates/{qw.template.pk}/export.xlsx")
    cells = {
        c.value: c.data_type
        for row in load_workbook(io.BytesIO(exported.content)).active.iter_rows()
        for c in row
    }
    assert cells[evil] == "s"
    assert exporting.read_template_xlsx(io.BytesIO(exported.content))[0]["standard"] == evil


def test_submitting_an_audit_asks_first_and_sends_once(qw, audit):
    """Submitting locks the results for good: the page asks before sending it, and sends it once."""
    page = client_for(qw.auditor).get(f"/quality/audits/{audit.pk}/").content.decode()
    form = page[page.rindex("<form", 0, page.index('data-testid="submit-audit"')) :].split(">", 1)[0]
    assert 'data-confirm="提交后核查结果锁定，不能再修改。确认提交？"' in form
    assert "data-submit-once" in form
