"""The pages added after the first cut: audit plans (create, edit: project, checklist version,
auditor incl. third-party, open/mystery, frequencies), editing a draft checklist version, the
recurrence window, the figures' date range (page, API, export), the PDF report's photos, and the
estates project page's link to the project's quality page."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from guanjia.core.roles import Perm
from guanjia.quality import selectors, services
from guanjia.quality.models import (
    Audit,
    AuditPlan,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    NonConformance,
    QualitySettings,
)
from guanjia.quality.tests.conftest import fill, make_plan
from guanjia.testing.api import Api


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def png(name="p.png", colour="red"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# Plans -------------------------------------------------------------------------------------------


def test_plan_create_and_edit_pages(qw):
    hq = client_for(qw.quality)
    page = hq.get("/quality/plans/new/")
    assert page.status_code == 200
    body = page.content.decode()
    # Third-party auditors are offered (marked), next to HQ quality.
    assert "第三方核查员（第三方）" in body and "品质专员" in body
    data = {
        "project": qw.project.pk,
        "template": qw.template.pk,
        "auditor": qw.staff["auditor"].pk,
        "kind": "mystery",
        "frequencies": ["monthly"],
        "is_active": "on",
    }
    response = hq.post("/quality/plans/new/", data)
    assert response.status_code == 302
    plan = AuditPlan.objects.get()
    assert (plan.kind, plan.frequencies, plan.auditor_id) == ("mystery", ["monthly"], qw.staff["auditor"].pk)
    # The third-party auditor is not given the sibling project: a field error, nothing saved.
    bad = hq.post("/quality/plans/new/", {**data, "project": qw.sibling_project.pk})
    assert bad.status_code == 422
    assert "第三方核查员" in bad.context["form"].errors["auditor"][0]
    # A desk clerk is not an auditor at all: not even offered.
    bad = hq.post("/quality/plans/new/", {**data, "auditor": qw.staff["owner"].pk})
    assert bad.status_code == 422 and "auditor" in bad.context["form"].errors
    assert AuditPlan.objects.count() == 1
    # Edit: open, HQ quality, every frequency.
    edit = hq.get(f"/quality/plans/{plan.pk}/")
    assert edit.status_code == 200 and edit.context["form"]["frequencies"].value() == ["monthly"]
    response = hq.post(
        f"/quality/plans/{plan.pk}/",
        {**data, "auditor": qw.staff["quality"].pk, "kind": "open", "frequencies": ["monthly", "quarterly"]},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.kind, plan.frequencies, plan.auditor_id) == (
        "open",
        ["monthly", "quarterly"],
        qw.staff["quality"].pk,
    )
    listing = hq.get("/quality/plans/").content.decode()
    assert "月度" in listing and "季度" in listing and f"/quality/plans/{plan.pk}/" in listing
    # The project manager may see plans but not make them.
    assert client_for(qw.manager).get("/quality/plans/new/").status_code == 403
    assert client_for(qw.manager).post(f"/quality/plans/{plan.pk}/", data).status_code == 403


def test_plan_frequency_must_exist_in_the_checklist(qw):
    draft = services.template_create(
        actor=qw.quality,
        code="monthly-only",
        name="仅月度",
        rows=[
            {
                "section": "A",
                "standard": "s",
                "methods": ["看"],
                "frequency": "monthly",
                "check": "c",
                "criterion": "x",
            }
        ],
    )
    response = client_for(qw.quality).post(
        "/quality/plans/new/",
        {
            "project": qw.project.pk,
            "template": draft.pk,
            "auditor": qw.staff["quality"].pk,
            "kind": "open",
            "frequencies": ["yearly"],
        },
    )
    assert response.status_code == 422
    assert "年度" in response.context["form"].errors["frequencies"][0]


def test_planner_makes_only_the_chosen_frequencies(qw):
    plan = make_plan(qw)
    plan.frequencies = ["quarterly"]
    plan.save()
    assert services.plan_audits(today=datetime.date(2026, 5, 10)) == 1
    assert set(Audit.objects.values_list("frequency", flat=True)) == {"quarterly"}
    services.plan_update(actor=qw.quality, plan=plan, data={"frequencies": []})
    assert services.plan_audits(today=datetime.date(2026, 5, 10)) == 2  # monthly + yearly now too
    assert services.plan_audits(today=datetime.date(2026, 5, 10)) == 0


# Recurrence window -------------------------------------------------------------------------------


def test_recurrence_window_setting(qw):
    hq = client_for(qw.quality)
    page = hq.get("/quality/settings/")
    assert page.status_code == 200 and 'value="90"' in page.content.decode()
    bad = hq.post("/quality/settings/", {"recurrence_days": "0"})
    assert bad.status_code == 422 and "recurrence_days" in bad.context["form"].errors
    assert not QualitySettings.objects.exists()
    assert hq.post("/quality/settings/", {"recurrence_days": "30"}).status_code == 302
    assert services.recurrence_days(qw.company.pk) == 30
    assert hq.post("/quality/settings/", {"recurrence_days": "45"}).status_code == 302
    assert QualitySettings.objects.get().recurrence_days == 45
    assert client_for(qw.manager).get("/quality/settings/").status_code == 403


# Checklist editing -------------------------------------------------------------------------------


def test_edit_a_draft_version_and_a_used_version_is_frozen(qw):
    hq = client_for(qw.quality)
    draft = services.template_copy(actor=qw.quality, template=qw.template, code="mine", name="我的核查表")
    detail = hq.get(f"/quality/templates/{draft.pk}/").content.decode()
    assert 'data-testid="template-editor"' in detail
    # A new section, then a new item in it.
    assert hq.post(f"/quality/templates/{draft.pk}/sections/new/", {"title": ""}).status_code == 422
    assert hq.post(f"/quality/templates/{draft.pk}/sections/new/", {"title": "绿化"}).status_code == 302
    section = ChecklistSection.objects.get(template=draft, title="绿化")
    item_data = {
        "section": section.pk,
        "standard": "草坪无黄土裸露",
        "methods": ["看"],
        "frequency": "monthly",
        "sample": "抽查1处",
        "check": "看：草坪",
        "criterion": "有裸露：不合格",
        "weight": "2",
        "physical": "on",
    }
    bad = hq.post(f"/quality/templates/{draft.pk}/items/new/", {**item_data, "methods": []})
    assert bad.status_code == 422 and "methods" in bad.context["form"].errors
    assert hq.post(f"/quality/templates/{draft.pk}/items/new/", item_data).status_code == 302
    item = ChecklistItem.objects.get(template=draft, standard="草坪无黄土裸露")
    assert item.key == f"{section.position}.1" and item.physical and item.weight == 2
    # Edit an item and rename the section.
    response = hq.post(f"/quality/templates/{draft.pk}/items/{item.pk}/", {**item_data, "weight": "3"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.weight == 3
    assert (
        hq.post(f"/quality/templates/{draft.pk}/sections/{section.pk}/", {"title": "绿化养护"}).status_code
        == 302
    )
    section.refresh_from_db()
    assert section.title == "绿化养护"
    # Once used, the version is read-only: the editor is gone, edits redirect with a message,
    # and the "new version" button makes an editable copy.
    services.audit_create(actor=qw.quality, data={"project_id": qw.project.pk, "template_id": draft.pk})
    detail = hq.get(f"/quality/templates/{draft.pk}/").content.decode()
    assert 'data-testid="template-editor"' not in detail and 'data-testid="frozen"' in detail
    assert "生成新版本" in detail
    response = hq.post(f"/quality/templates/{draft.pk}/items/{item.pk}/", {**item_data, "weight": "9"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.weight == 3
    response = hq.post(f"/quality/templates/{draft.pk}/revise/")
    new = ChecklistTemplate.objects.get(code="mine", version=2)
    assert response.url == f"/quality/templates/{new.pk}/"
    assert 'data-testid="template-editor"' in hq.get(response.url).content.decode()
    # Staff without MANAGE_QUALITY cannot edit.
    assert client_for(qw.manager).get(f"/quality/templates/{new.pk}/items/new/").status_code == 403


# Figures -----------------------------------------------------------------------------------------


def _submitted(qw, *, project, when, fail_keys=()):
    audit = services.audit_create(
        actor=qw.quality, data={"project_id": project.pk, "template_id": qw.template.pk}
    )
    fill(audit, qw.quality, fail_keys=fail_keys)
    services.audit_submit(actor=qw.quality, audit=audit)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=when)
    NonConformance.objects.filter(audit=audit).update(raised_at=when)
    return audit


def test_figures_date_range_page_api_and_export(qw):
    now = timezone.now()
    _submitted(qw, project=qw.project, when=now - datetime.timedelta(days=400), fail_keys={"1.1", "1.2"})
    _submitted(qw, project=qw.project, when=now, fail_keys={"1.1", "1.2", "2.1"})
    _submitted(qw, project=qw.sibling_project, when=now, fail_keys={"1.1"})
    today = timezone.localdate(now)
    hq = client_for(qw.quality)
    # Default range (last 365 days): the old audit is out, the sibling ranks first.
    page = hq.get("/quality/figures/")
    assert page.status_code == 200
    ranking = page.context["ranking"]
    assert [r["project_id"] for r in ranking] == [qw.sibling_project.pk, qw.project.pk]
    assert [r["rank"] for r in ranking] == [1, 2] and ranking[1]["n"] == 1
    # A range covering only the old audit.
    # The range is in local (Shanghai) days: near midnight UTC and local dates differ.
    old = timezone.localdate(now - datetime.timedelta(days=400))
    page = hq.get("/quality/figures/", {"from": str(old - datetime.timedelta(days=1)), "to": str(old)})
    assert [r["project_id"] for r in page.context["ranking"]] == [qw.project.pk]
    assert page.context["nc_total"] == 2
    # Bad dates: a field error, 422, everywhere.
    bad = hq.get("/quality/figures/", {"from": "2026-13-01"})
    assert bad.status_code == 422 and "日期格式" in bad.content.decode()
    assert 'data-testid="error-from"' in bad.content.decode()
    reversed_range = hq.get("/quality/figures/", {"from": "2026-05-02", "to": "2026-05-01"})
    assert reversed_range.status_code == 422 and "开始日期不能晚于结束日期" in reversed_range.content.decode()
    assert hq.get("/quality/figures/export.xlsx", {"to": "x"}).status_code == 422
    export = hq.get("/quality/figures/export.xlsx", {"from": str(today), "to": str(today)})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows = list(sheet.values)
    assert rows[0][1] == f"{today:%Y-%m-%d} ~ {today:%Y-%m-%d}"
    assert [r[1] for r in rows[2:]] == [qw.sibling_project.name, qw.project.name]
    # The API: same range, same ranking; bad dates 422 naming the field.
    api = Api(qw.quality)
    response = api.get("/api/v1/quality-figures")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["project_id"] for r in body["ranking"]] == [qw.sibling_project.pk, qw.project.pk]
    assert body["ranking"][0]["rank"] == 1 and body["nonconformances"] == 4
    assert body["failed_most"][0]["key"] == "1.1" and body["failed_most"][0]["failures"] == 2
    response = api.get(f"/api/v1/quality-figures?from={old}&to={old}")
    assert [r["project_id"] for r in response.json()["ranking"]] == [qw.project.pk]
    response = api.get("/api/v1/quality-figures?from=2026-02-30")
    assert response.status_code == 422 and "from" in response.content.decode()
    response = api.get("/api/v1/quality-figures?from=2026-05-02&to=2026-05-01")
    assert response.status_code == 422 and "from" in response.content.decode()


def test_figure_range_defaults_and_limits():
    today = datetime.date(2026, 6, 30)
    period = selectors.figure_range(today=today)
    assert (period.start, period.end) == (datetime.date(2025, 7, 1), today)
    with pytest.raises(Exception, match="统计区间最长"):
        selectors.figure_range("2020-01-01", "2026-01-01", today=today)


# The report --------------------------------------------------------------------------------------


def test_report_has_failed_items_photos_and_is_reachable(qw, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    audit = services.audit_create(
        actor=qw.auditor, data={"project_id": qw.project.pk, "template_id": qw.template.pk}
    )
    fill(audit, qw.auditor, fail_keys={"3.1"})
    failed = audit.results.get(item__key="3.1")
    services.result_add_photo(actor=qw.auditor, result=failed, upload=png("a.png", "red"))
    services.result_add_photo(actor=qw.auditor, result=failed, upload=png("b.png", "blue"))
    passed = audit.results.get(item__key="1.1")
    services.result_add_photo(actor=qw.auditor, result=passed, upload=png("c.png", "green"))
    page = client_for(qw.auditor).get(f"/quality/audits/{audit.pk}/").content.decode()
    assert f"/quality/audits/{audit.pk}/report.pdf" in page  # reachable before submitting too
    services.audit_submit(actor=qw.auditor, audit=audit)
    page = client_for(qw.manager).get(f"/quality/audits/{audit.pk}/").content.decode()
    assert 'data-testid="audit-report"' in page
    pdf = client_for(qw.manager).get(f"/quality/audits/{audit.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Two thumbnails of the failed item; the passed item's photo is not printed.
    assert pdf.content.count(b"/Subtype /Image") == 2
    response = Api(qw.manager).get(f"/api/v1/audits/{audit.pk}/report")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.count(b"/Subtype /Image") == 2
    # Scoped like the audit: another company's admin gets 404.
    assert Api(qw.foreign_admin).get(f"/api/v1/audits/{audit.pk}/report").status_code == 404


# The estates project page ------------------------------------------------------------------------


def test_estates_project_page_links_to_quality(qw):
    page = client_for(qw.manager).get(f"/projects/{qw.project.pk}/")
    assert page.status_code == 200
    assert f"/quality/projects/{qw.project.pk}/" in page.content.decode()
    without = render_to_string(
        "quality/_estates_project_link.html",
        {"Perm": Perm, "scope": SimpleNamespace(permissions=frozenset()), "project": qw.project},
    )
    assert "/quality/projects/" not in without
    with_perm = render_to_string(
        "quality/_estates_project_link.html",
        {
            "Perm": Perm,
            "scope": SimpleNamespace(permissions=frozenset({Perm.VIEW_QUALITY})),
            "project": qw.project,
        },
    )
    assert f"/quality/projects/{qw.project.pk}/" in with_perm
