"""An audit done on a 390 px phone in a real browser (Debian's Chromium through Playwright): the
third-party auditor answers every item (autosaved as it goes, surviving a reload), fails one with a
note and a photo, submits and sees the score; the project manager assigns the corrective action,
the owner reports it done, the auditor verifies it. Screenshots go to /tmp/shots/quality/."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanjia.core.roles import Role
from guanjia.quality import services
from guanjia.quality.choices import AuditStatus, CaStatus
from guanjia.quality.models import (
    Audit,
    AuditPlan,
    AuditResult,
    CorrectiveAction,
    NonConformance,
    QualityPhoto,
)
from guanjia.staff.choices import Department
from guanjia.testing import factories as f
from guanjia.testing.browser import Screen as BaseScreen
from guanjia.testing.world import build_world
from guanjia.web.tests.test_ticket_browser import png_file

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("QUALITY_SHOTS", "/tmp/shots/quality"))


class Screen(BaseScreen):
    """A logged-in screen of a given width; shots are named with it."""

    def __init__(self, browser, live_server, user, errors, width=390):
        super().__init__(browser, live_server, user, errors, {"width": width, "height": 844}, shots=SHOTS)
        self.width = width

    def shot(self, name):
        super().shot(f"{name}-{self.width}")


def test_audit_on_a_phone_to_verified_fix(browser, live_server, tmp_path):
    world = build_world()
    template = services.template_install_default(company=world.company)
    auditor = f.make_staff(
        company=world.company,
        roles=[Role.EXTERNAL_AUDITOR],
        projects=[world.project],
        department=Department.QUALITY,
        name="第三方核查员",
    )
    owner = f.make_staff(company=world.company, roles=[Role.DESK], projects=[world.project], name="客服主管")
    audit = services.audit_create(
        actor=auditor.user, data={"project_id": world.project.pk, "template_id": template.pk}
    )
    errors: list[str] = []

    phone = Screen(browser, live_server, auditor.user, errors)
    phone.goto("/quality/")
    expect(phone.page.get_by_text(audit.number).first).to_be_visible()
    phone.shot("audit-list")
    phone.page.get_by_text(audit.number).first.click()
    expect(phone.page.get_by_test_id("progress")).to_have_text("0/25")
    phone.shot("audit-start")
    keys = list(AuditResult.objects.filter(audit=audit).values_list("item__key", flat=True))
    for key in keys:
        card = phone.page.get_by_test_id(f"result-{key}")
        card.get_by_test_id("outcome-fail" if key == "3.1" else "outcome-pass").click()
        expect(card.get_by_test_id("saved")).to_be_visible()
    failed = phone.page.get_by_test_id("result-3.1")

    def autosaved(field):
        def check(response):
            body = response.request.post_data or ""
            return "/results/" in response.url and response.ok and f"{field}=%" in body

        return check

    with phone.page.expect_response(autosaved("sample_taken")):
        failed.locator("input[name=sample_taken]").fill("地库入口窨井盖2处")
    with phone.page.expect_response(autosaved("note")):
        failed.locator("textarea[name=note]").fill("井盖无橡胶垫，车辆压过噪音明显")
    failed = phone.page.get_by_test_id("result-3.1")
    failed.get_by_test_id("photo-input").set_input_files(png_file(tmp_path / "manhole.png", "gray"))
    expect(phone.page.get_by_test_id("result-3.1").locator("img")).to_have_count(1)
    # Saved as it went: a reload (a lost connection, a closed tab) keeps every answer.
    phone.page.reload()
    expect(phone.page.get_by_test_id("progress")).to_have_text("25/25")
    result = AuditResult.objects.get(audit=audit, item__key="3.1")
    assert result.outcome == "fail" and "噪音" in result.note and result.sample_taken == "地库入口窨井盖2处"
    assert QualityPhoto.objects.filter(result=result).count() == 1
    phone.page.get_by_test_id("result-3.1").scroll_into_view_if_needed()
    phone.shot("audit-item-failed")
    # Irreversible: the page asks first; "cancel" sends nothing.
    questions = []
    phone.page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    phone.page.get_by_test_id("submit-audit").click()
    assert questions and "确认提交" in questions[0]
    audit.refresh_from_db()
    assert audit.status != AuditStatus.SUBMITTED
    phone.page.once("dialog", lambda dialog: dialog.accept())
    phone.page.get_by_test_id("submit-audit").click()
    expect(phone.page.get_by_test_id("audit-status")).to_have_text("已提交")
    expect(phone.page.get_by_test_id("score")).to_have_text("96.0")
    phone.shot("audit-submitted")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    nc = NonConformance.objects.get(audit=audit)

    manager = Screen(browser, live_server, world.manager, errors, width=1280)
    manager.goto(f"/quality/nonconformances/{nc.pk}/")
    manager.page.select_option("#id_owner", str(owner.pk))
    manager.page.fill("#id_deadline", (timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    manager.page.get_by_test_id("do-assign").click()
    expect(manager.page.get_by_test_id("ca-status")).to_have_text("整改中")
    manager.page.fill("#id_location", "地库入口")
    manager.page.get_by_test_id("do-ticket").click()
    expect(manager.page.get_by_test_id("linked-ticket")).to_be_visible()
    manager.shot("nc-assigned")

    owner_phone = Screen(browser, live_server, owner.user, errors)
    owner_phone.goto(f"/quality/nonconformances/{nc.pk}/")
    owner_phone.page.fill("#id_done_note", "已加装橡胶垫")
    owner_phone.page.set_input_files("#id_photo", png_file(tmp_path / "fixed.png", "green"))
    owner_phone.page.get_by_test_id("do-submit").click()
    expect(owner_phone.page.get_by_test_id("ca-status")).to_have_text("待验证")
    owner_phone.shot("ca-submitted")

    phone.goto(f"/quality/nonconformances/{nc.pk}/")
    phone.page.get_by_test_id("accept").click()
    expect(phone.page.get_by_test_id("ca-status")).to_have_text("已关闭")
    expect(phone.page.get_by_test_id("nc-status")).to_have_text("已关闭")
    phone.shot("ca-verified")
    assert CorrectiveAction.objects.get(nonconformance=nc).status == CaStatus.CLOSED
    assert Audit.objects.get(pk=audit.pk).score is not None

    manager.goto("/quality/figures/")
    expect(manager.page.get_by_test_id("ranking")).to_contain_text(world.project.name)
    manager.shot("figures")
    manager.goto(f"/quality/projects/{world.project.pk}/")
    manager.shot("project")
    assert not errors, errors


def test_answers_typed_offline_are_sent_after_reconnect(browser, live_server):
    """The connection drops mid-audit (context.set_offline): the answers typed meanwhile stay in
    localStorage, the card says "未同步", and once the connection is back they reach the server."""
    world = build_world()
    template = services.template_install_default(company=world.company)
    auditor = f.make_staff(
        company=world.company,
        roles=[Role.HQ_QUALITY],
        department=Department.QUALITY,
        name="品质专员",
    )
    audit = services.audit_create(
        actor=auditor.user, data={"project_id": world.project.pk, "template_id": template.pk}
    )
    errors: list[str] = []
    phone = Screen(browser, live_server, auditor.user, errors)
    phone.goto(f"/quality/audits/{audit.pk}/")
    first = phone.page.get_by_test_id("result-1.1")
    first.get_by_test_id("outcome-pass").click()
    expect(first.get_by_test_id("saved")).to_be_visible()

    phone.context.set_offline(True)
    card = phone.page.get_by_test_id("result-1.2")
    card.get_by_test_id("outcome-fail").click()
    card.locator("textarea[name=note]").fill("断网时填写：前台答不出")
    card.locator("input[name=sample_taken]").fill("前台王五")
    expect(card.get_by_test_id("unsynced")).to_be_visible()
    # Give the (cancelled) autosave its delay; nothing reached the server, the answer is kept locally.
    phone.page.wait_for_timeout(1200)
    result = AuditResult.objects.get(audit=audit, item__key="1.2")
    assert result.outcome == "" and result.note == ""
    stored = phone.page.evaluate("window.localStorage.getItem('guanjia.quality.pending')")
    assert "断网时填写" in stored
    phone.shot("offline-unsynced")

    phone.context.set_offline(False)
    expect(card.get_by_test_id("unsynced")).to_be_hidden(timeout=20_000)
    expect(card.get_by_test_id("saved")).to_be_visible()
    result.refresh_from_db()
    assert (result.outcome, result.note, result.sample_taken) == (
        "fail",
        "断网时填写：前台答不出",
        "前台王五",
    )
    assert phone.page.evaluate("window.localStorage.getItem('guanjia.quality.pending')") == "{}"
    phone.shot("offline-resynced")
    # After a reload nothing is pending and the answers come from the server.
    phone.page.reload()
    card = phone.page.get_by_test_id("result-1.2")
    expect(card.locator("textarea[name=note]")).to_have_value("断网时填写：前台答不出")
    expect(card.get_by_test_id("unsynced")).to_be_hidden()
    network = ("ERR_INTERNET_DISCONNECTED", "Failed to load resource", "net::")
    assert not [e for e in errors if not any(n in e for n in network)], errors
    phone.context.close()


def test_plan_checklist_editor_settings_and_figures_fit_a_phone(browser, live_server):
    """The HQ quality pages added later: a plan made on a phone, a draft checklist's editor, the
    recurrence window, the figures with a bad date (field error) — none wider than the screen."""
    world = build_world()
    template = services.template_install_default(company=world.company)
    hq = f.make_staff(
        company=world.company, roles=[Role.HQ_QUALITY], department=Department.QUALITY, name="品质专员"
    )
    f.make_staff(
        company=world.company,
        roles=[Role.EXTERNAL_AUDITOR],
        projects=[world.project],
        department=Department.QUALITY,
        name="第三方核查员",
    )
    draft = services.template_copy(actor=hq.user, template=template, code="mine", name="我的核查表")
    errors: list[str] = []
    for width in (390, 1280):
        screen = Screen(browser, live_server, hq.user, errors, width=width)
        screen.goto("/quality/plans/new/")
        screen.shot("plan-form")
        if width == 390:
            screen.page.select_option("#id_project", str(world.project.pk))
            screen.page.select_option("#id_template", str(template.pk))
            screen.page.select_option("#id_auditor", label="第三方核查员（第三方）")
            screen.page.select_option("#id_kind", "mystery")
            screen.page.check("input[name=frequencies][value=monthly]")
            screen.page.click("button[type=submit]:has-text('保存')")
            expect(screen.page.get_by_test_id("plans")).to_contain_text("第三方核查员")
            screen.shot("plan-list")
        screen.goto(f"/quality/templates/{draft.pk}/")
        expect(screen.page.get_by_test_id("template-editor")).to_be_visible()
        screen.shot("template-editor")
        screen.goto(f"/quality/templates/{draft.pk}/items/new/")
        screen.shot("item-form")
        screen.goto("/quality/settings/")
        screen.shot("settings")
        screen.goto("/quality/figures/?from=2026-02-30")
        expect(screen.page.get_by_test_id("error-from")).to_be_visible()
        screen.shot("figures-bad-date")
        screen.context.close()
    plan = AuditPlan.objects.get()
    assert (plan.kind, plan.frequencies) == ("mystery", ["monthly"])
    assert not [e for e in errors if "422" not in e], errors
