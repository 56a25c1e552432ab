"""SMS settings: every notification names a registered kind; administrators map kinds to the provider's
templates (a variable the kind does not offer is refused, naming the field); with a real provider a
kind sent by SMS without a template fails ``check --deploy`` and shows red on the page."""

import ast
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from guanjia.notifications.kinds import all_kinds, kind_of
from guanjia.notifications.models import SmsSignature, SmsTemplate
from guanjia.notifications.sms import config
from guanjia.testing.api import Api

ROOT = Path(__file__).resolve().parents[2]
TENCENT = "guanjia.notifications.sms.tencent.TencentSmsBackend"


def _notify_calls():
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.parent.name == "notifications":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "notify":
                    yield path, node


def test_every_notify_call_in_the_apps_names_a_registered_kind():
    calls = list(_notify_calls())
    assert len(calls) >= 19
    for path, call in calls:
        kinds = [k.value for k in call.keywords if k.arg == "kind"]
        assert kinds, f"{path.relative_to(ROOT)}:{call.lineno} notify() without a kind"
        if isinstance(kinds[0], ast.Constant):
            kind_of(kinds[0].value)  # registered


def test_urgent_kinds_are_the_emergency_chain_and_offer_their_parameters():
    urgent = {k.key for k in all_kinds() if k.urgent and not k.key.startswith("tests.")}
    # The emergency chain, the resident's sign-in code (it is the sign-in), and outage and
    # emergency notices to residents (notices.urgent: the water goes off at 13:00 today).
    assert urgent == {
        "notices.urgent",
        "emergencies.summon",
        "emergencies.recall",
        "emergencies.hq",
        "emergencies.report",
        "residents.sms_code",
    }
    assert kind_of("billing.reminder").offered == ("unit", "period", "amount", "due", "subject", "url")


@pytest.mark.django_db
def test_a_variable_the_kind_does_not_offer_is_refused_naming_the_field(world):
    client = Api(world.admin)
    response = client.post(
        "sms/templates",
        {"kind": "billing.reminder", "template_id": "1234567", "variables": ["unit", "balance"]},
    )
    assert response.status_code == 422
    assert "variables" in response.json()["errors"]
    assert "balance" in response.json()["errors"]["variables"][0]
    response = client.post("sms/templates", {"kind": "no.such_kind", "template_id": "1", "variables": []})
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    assert not SmsTemplate.objects.exists()
    response = client.post(
        "sms/templates",
        {"kind": "billing.reminder", "template_id": "1234567", "variables": ["unit", "amount", "due"]},
    )
    assert response.status_code == 201
    template = SmsTemplate.objects.get()
    assert (template.company_id, template.variables) == (world.company.pk, ["unit", "amount", "due"])
    again = client.post("sms/templates", {"kind": "billing.reminder", "template_id": "7654321"})
    assert again.status_code == 422 and "kind" in again.json()["errors"]


@pytest.mark.django_db
def test_only_administrators_configure_and_only_their_company(world):
    mine = SmsTemplate.objects.create(company=world.company, kind="billing.reminder", template_id="1")
    theirs = SmsTemplate.objects.create(company=world.other_company, kind="billing.reminder", template_id="2")
    manager = Api(world.manager)
    assert manager.get("sms/templates").status_code == 403
    body = {"kind": "billing.reminder", "template_id": "9", "variables": []}
    assert manager._call("put", f"sms/templates/{mine.pk}", body).status_code == 403
    admin = Api(world.admin)
    assert [t["id"] for t in admin.get("sms/templates").json()] == [mine.pk]
    assert admin._call("put", f"sms/templates/{theirs.pk}", body).status_code == 404
    assert admin.delete(f"sms/templates/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.template_id == "2"
    assert admin._call("put", "sms/signature", {"name": "【金苑物业】"}).json() == {"name": "金苑物业"}
    assert admin._call("put", "sms/signature", {"name": "x"}).status_code == 422
    assert SmsSignature.objects.get().company_id == world.company.pk


@pytest.mark.django_db
def test_check_deploy_fails_for_a_kind_sent_by_sms_without_a_template(world, settings):
    settings.GUANJIA_SMS_BACKEND = TENCENT
    settings.GUANJIA_TENCENTCLOUD_SECRET_ID = "AKID"
    settings.GUANJIA_TENCENTCLOUD_SECRET_KEY = "key"
    settings.GUANJIA_TENCENT_SMS_APP_ID = "1400000001"
    settings.GUANJIA_SMS_KINDS = ["billing.reminder"]
    settings.GUANJIA_SMS_SIGN_NAME = "管家物业"
    missing = {k.key for k in config.missing_templates(world.company.pk) if not k.key.startswith("tests.")}
    assert missing == {
        "billing.reminder",
        "notices.urgent",
        "emergencies.summon",
        "emergencies.recall",
        "emergencies.hq",
        "emergencies.report",
        "residents.sms_code",
    }
    with pytest.raises(SystemCheckError, match=r"guanjia\.sms\.E001.*billing\.reminder"):
        call_command("check", "--deploy", "--fail-level", "ERROR")
    for company in (world.company, world.other_company):
        for key in {k.key for k in config.missing_templates(company.pk)}:
            SmsTemplate.objects.create(company=company, kind=key, template_id="1")
    from guanjia.notifications.checks import sms_configuration

    assert sms_configuration() == []
    settings.GUANJIA_TENCENT_SMS_APP_ID = ""
    assert [e.id for e in sms_configuration()] == ["guanjia.sms.E002"]


@pytest.mark.django_db
def test_no_check_while_sms_only_goes_to_the_log(world, settings):
    settings.GUANJIA_SMS_BACKEND = "guanjia.notifications.channels.LogBackend"
    from guanjia.notifications.checks import sms_configuration

    assert sms_configuration() == []


@pytest.mark.django_db
def test_settings_page_lists_kinds_without_a_template_in_red(world, client, settings):
    settings.GUANJIA_SMS_BACKEND = TENCENT
    client.force_login(world.admin)
    page = client.get("/notifications/sms/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="sms-missing"' in html and "alert-danger" in html
    assert "emergencies.summon" in html
    response = client.post(
        "/notifications/sms/templates/new/",
        {"kind": "emergencies.summon", "template_id": "2000001", "variables": "kind, place, nonsense"},
    )
    assert response.status_code == 422
    assert "nonsense" in response.content.decode()
    response = client.post(
        "/notifications/sms/templates/new/",
        {"kind": "emergencies.summon", "template_id": "2000001", "variables": "kind, place"},
    )
    assert response.status_code == 302
    assert SmsTemplate.objects.get(kind="emergencies.summon").variables == ["kind", "place"]
    client.force_login(world.manager)
    assert client.get("/notifications/sms/").status_code == 403
