"""SMS through the real SDKs into local fakes of Tencent Cloud and Aliyun that check each request's
signature, app, signature name, template and number: a message is sent once and its provider id and
billed segments kept; throttling and server errors are retried with backoff; a wrong number, no
balance or a refused signature fail at once with the provider's message; a kind without a template
never reaches the provider."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.notifications import channels, services
from guanjia.notifications.messages import Message
from guanjia.notifications.models import Channel, Notification, SmsSignature, SmsTemplate, State
from guanjia.staff.models import StaffMember
from guanjia.testing.sms_fakes import AliyunSmsFake, TencentSmsFake

pytestmark = pytest.mark.django_db

TENCENT = "guanjia.notifications.sms.tencent.TencentSmsBackend"
ALIYUN = "guanjia.notifications.sms.aliyun.AliyunSmsBackend"
CONTENT = "您的房屋{1}尚欠物业费{2}元，请于{3}前缴纳。"


@pytest.fixture
def tencent(settings, world):
    with TencentSmsFake(templates={"1234567": 3}, contents={"1234567": CONTENT}, signs={"管家物业"}) as fake:
        settings.GUANJIA_SMS_BACKEND = TENCENT
        settings.GUANJIA_TENCENTCLOUD_SECRET_ID = fake.secret_id
        settings.GUANJIA_TENCENTCLOUD_SECRET_KEY = fake.secret_key
        settings.GUANJIA_TENCENT_SMS_APP_ID = fake.app_id
        settings.GUANJIA_TENCENT_SMS_ENDPOINT = fake.endpoint
        settings.GUANJIA_SMS_TIMEOUT = 5
        _configure(world, template_id="1234567", content=CONTENT)
        yield fake


@pytest.fixture
def aliyun(settings, world):
    with AliyunSmsFake(templates={"SMS_154950909": ("unit", "amount", "due")}, signs={"管家物业"}) as fake:
        settings.GUANJIA_SMS_BACKEND = ALIYUN
        settings.GUANJIA_ALIYUN_ACCESS_KEY_ID = fake.access_key_id
        settings.GUANJIA_ALIYUN_ACCESS_KEY_SECRET = fake.access_key_secret
        settings.GUANJIA_ALIYUN_SMS_ENDPOINT = fake.endpoint
        settings.GUANJIA_SMS_TIMEOUT = 5
        _configure(
            world,
            template_id="SMS_154950909",
            content="您的房屋${unit}尚欠物业费${amount}元，请于${due}前缴纳。",
        )
        yield fake


def _configure(world, *, template_id, content):
    StaffMember.objects.filter(user=world.technician).update(phone="139 0000 0001")
    world.technician.refresh_from_db()
    SmsSignature.objects.create(company=world.company, name="管家物业")
    SmsTemplate.objects.create(
        company=world.company,
        kind="billing.reminder",
        template_id=template_id,
        variables=["unit", "amount", "due"],
        content=content,
    )


def remind(world, *, kind="billing.reminder") -> Notification:
    """A payment reminder to the technician by SMS (staff: no quiet hours), not yet delivered."""
    [row] = services.notify(
        recipients=[world.technician],
        subject=Message(gettext_lazy("缴费提醒：%(unit)s %(period)s 账单"), unit="1-101", period="2026-11"),
        body=Message(
            gettext_lazy(
                "您的 %(period)s 账单尚有 %(amount)s 元未缴，缴费截止日为 %(due)s。如已缴费请忽略。"
            ),
            period="2026-11",
            amount="356.20",
            due="2026-12-15",
        ),
        related=world.unit,
        channels=(Channel.SMS,),
        kind=kind,
    )
    return row


# Tencent Cloud ----------------------------------------------------------------------------------


def test_tencent_sends_once_with_the_template_and_keeps_serial_and_fee(world, tencent):
    row = remind(world)
    assert services.deliver(row.pk) is True
    assert services.deliver(row.pk) is False
    assert services.deliver_due(now=timezone.now() + datetime.timedelta(hours=2)) == 0
    [sent] = tencent.sent
    assert sent["phone"] == "+8613900000001"
    assert sent["template"] == "1234567"
    assert sent["params"] == ["1-101", "356.20", "2026-12-15"]
    row.refresh_from_db()
    assert row.state == State.SENT
    assert row.provider_message_id == sent["serial"]
    assert row.segments == 1 == sent["fee"]
    assert row.project_id == world.unit.project_id


def test_tencent_rate_limit_is_retried_with_backoff_and_then_sent(world, tencent):
    tencent.fail_next("LimitExceeded.PhoneNumberDailyLimit")
    row = remind(world)
    now = timezone.now()
    assert services.deliver(row.pk, now=now) is False
    row.refresh_from_db()
    assert row.state == State.PENDING
    assert "LimitExceeded.PhoneNumberDailyLimit" in row.last_error
    assert row.deliver_after == now + datetime.timedelta(seconds=60)
    assert services.deliver_due(now=now + datetime.timedelta(seconds=30)) == 0
    assert services.deliver_due(now=now + datetime.timedelta(seconds=61)) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 2, "")
    assert len(tencent.sent) == 1


def test_tencent_server_error_is_temporary(world, tencent):
    tencent.fail_next("HTTP502")
    row = remind(world)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert row.state == State.PENDING
    assert "ServerNetworkError" in row.last_error


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"),
        ("FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足"),
        ("FailedOperation.PhoneNumberInBlacklist", "免打扰名单"),
    ],
)
def test_tencent_permanent_errors_fail_at_once_with_the_providers_message(world, tencent, code, words):
    tencent.fail_next(code)
    row = remind(world)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.FAILED, 1)
    assert code in row.last_error and words in row.last_error
    assert services.deliver_due(now=timezone.now() + datetime.timedelta(hours=2)) == 0
    assert tencent.sent == []


def test_tencent_refuses_a_wrong_secret_by_its_signature(world, tencent, settings):
    settings.GUANJIA_TENCENTCLOUD_SECRET_KEY = "not-the-secret"
    row = remind(world)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert row.state == State.FAILED
    assert "AuthFailure.SignatureFailure" in row.last_error
    assert tencent.refusals == ["AuthFailure.SignatureFailure"]
    assert tencent.sent == []


def test_tencent_refuses_a_template_it_does_not_know(world, tencent):
    SmsTemplate.objects.filter(kind="billing.reminder").update(template_id="7654321")
    row = remind(world)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert row.state == State.FAILED
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in row.last_error


def test_a_kind_without_a_template_fails_at_once_and_never_reaches_the_provider(world, tencent):
    row = remind(world, kind="sla.escalation")
    assert row.state == State.FAILED
    assert "no SMS template" in row.last_error and "sla.escalation" in row.last_error
    assert services.deliver(row.pk) is False
    assert tencent.sent == [] and tencent.refusals == []


def test_a_number_that_is_no_mobile_number_fails_without_calling_the_provider(world, tencent):
    StaffMember.objects.filter(user=world.technician).update(phone="0755-1234")
    world.technician.refresh_from_db()
    row = remind(world)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert row.state == State.FAILED
    assert tencent.refusals == [] and tencent.sent == []


# Aliyun -----------------------------------------------------------------------------------------


def test_aliyun_sends_once_with_named_variables_and_keeps_the_biz_id(world, aliyun):
    row = remind(world)
    assert services.deliver(row.pk) is True
    assert services.deliver(row.pk) is False
    [sent] = aliyun.sent
    assert sent["phone"] == "13900000001"
    assert sent["params"] == {"unit": "1-101", "amount": "356.20", "due": "2026-12-15"}
    assert sent["out_id"] == f"guanjia-{row.pk}"
    row.refresh_from_db()
    assert row.state == State.SENT
    assert row.provider_message_id == sent["biz_id"]
    assert row.segments == 1  # 【管家物业】 + the filled template: under 70 characters


@pytest.mark.parametrize("code", ["isv.BUSINESS_LIMIT_CONTROL", "HTTP503"])
def test_aliyun_flow_control_and_server_errors_are_retried(world, aliyun, code):
    aliyun.fail_next(code)
    row = remind(world)
    now = timezone.now()
    services.deliver(row.pk, now=now)
    row.refresh_from_db()
    assert row.state == State.PENDING
    assert services.deliver_due(now=now + datetime.timedelta(minutes=2)) == 1
    assert len(aliyun.sent) == 1


@pytest.mark.parametrize(
    ("code", "words"),
    [("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"), ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")],
)
def test_aliyun_permanent_errors_fail_at_once(world, aliyun, code, words):
    aliyun.fail_next(code)
    row = remind(world)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.FAILED, 1)
    assert code in row.last_error and words in row.last_error
    assert aliyun.sent == []


def test_aliyun_refuses_a_wrong_secret_by_its_signature(world, aliyun, settings):
    settings.GUANJIA_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    row = remind(world)
    services.deliver(row.pk)
    row.refresh_from_db()
    assert row.state == State.FAILED
    assert "SignatureDoesNotMatch" in row.last_error
    assert aliyun.refusals == ["SignatureDoesNotMatch"]


def test_a_code_for_a_number_no_company_knows_goes_under_the_deployments_template(world, tencent, settings):
    """Self-registration: the number belongs to no company yet, so the company's templates cannot
    apply; the deployment's template and signature carry the sign-in code."""
    from guanjia.residents.delivery import _to_number

    settings.GUANJIA_SMS_SIGN_NAME = "管家物业"
    message = _to_number("13900009999", {"code": "402913", "minutes": 5})
    backend = channels.backend_for("sms")
    assert backend.unsendable(company_id=None, kind=message.kind)  # nothing configured: refused, named
    tencent.templates["7654321"] = 2
    settings.GUANJIA_SMS_DEPLOYMENT_TEMPLATES = ["residents.sms_code=7654321:code|minutes"]
    assert backend.unsendable(company_id=None, kind=message.kind) == ""
    backend.send(message)
    [sent] = tencent.sent
    assert sent["phone"] == "+8613900009999"
    assert sent["template"] == "7654321"
    assert sent["params"] == ["402913", "5"]
