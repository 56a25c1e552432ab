"""WeCom application messages to staff, end to end against a local WeCom server: the staff member's
WeCom userid (not their login), one access token shared by every server, renewed when WeCom says it
expired, an unknown userid failing at once, temporary errors retried, nothing sent twice."""

import datetime

import pytest
from django.core.cache import caches

from guanjia.core.models import ObjectChange
from guanjia.notifications import services
from guanjia.notifications.addresses import channel_address_set
from guanjia.notifications.channels import address_for
from guanjia.notifications.models import Channel, Notification, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def bound(world):
    channel_address_set(actor=world.admin, user=world.technician, channel="wecom", address="wx-tech")
    channel_address_set(actor=world.admin, user=world.manager, channel="wecom", address="wx-manager")
    return world


def send(world, recipients, capture, **kwargs):
    kwargs.setdefault("subject", "工单 JY-42 已派给您")
    kwargs.setdefault("body", "1栋1201 厨房漏水，请尽快上门。")
    kwargs.setdefault("url", "/tickets/42/")
    kwargs.setdefault("channels", (Channel.WECOM,))
    with capture(execute=True):
        return services.notify(recipients=recipients, related=world.unit, **kwargs)


def test_the_wecom_address_is_the_userid_the_administrator_set_not_the_login(
    world, wecom, django_capture_on_commit_callbacks
):
    assert address_for(world.technician, Channel.WECOM) == ""
    assert send(world, [world.technician], django_capture_on_commit_callbacks) == []
    channel_address_set(actor=world.admin, user=world.technician, channel="wecom", address="wx-tech")
    assert address_for(world.technician, Channel.WECOM) == "wx-tech" != world.technician.username
    [row] = send(world, [world.technician], django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.SENT and row.attempts == 1
    [message] = wecom.messages
    assert message["touser"] == "wx-tech" and message["agentid"] == wecom.agent_id
    assert message["msgtype"] == "textcard"
    assert message["textcard"]["title"] == "工单 JY-42 已派给您"
    assert "厨房漏水" in message["textcard"]["description"]
    assert message["textcard"]["url"] == "https://guanjia.example.com/tickets/42/"


def test_a_message_without_a_link_goes_as_text(bound, wecom, django_capture_on_commit_callbacks):
    send(bound, [bound.technician], django_capture_on_commit_callbacks, url="")
    [message] = wecom.messages
    assert message["msgtype"] == "text"
    assert message["text"]["content"] == "工单 JY-42 已派给您\n1栋1201 厨房漏水，请尽快上门。"


def test_one_token_serves_every_message_and_every_server(
    bound, wecom, settings, tmp_path, django_capture_on_commit_callbacks
):
    # A cache every app server and worker shares (Redis in production; files here, not one process's memory).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    send(bound, [bound.technician], django_capture_on_commit_callbacks)
    send(bound, [bound.manager, bound.technician], django_capture_on_commit_callbacks, subject="第二条")
    assert len(wecom.messages) == 3 and wecom.token_requests == 1
    # Another server reads the same token from the shared cache: it does not ask WeCom again.
    from django.core.cache.backends.filebased import FileBasedCache

    other_server = FileBasedCache(str(tmp_path), {})
    [token] = wecom.tokens
    assert other_server.get(f"guanjia:wecom:token:{wecom.corp_id}:{wecom.agent_id}") == token
    caches["default"].clear()


def test_an_expired_token_is_renewed_and_the_message_sent_in_the_same_attempt(
    bound, wecom, django_capture_on_commit_callbacks
):
    send(bound, [bound.technician], django_capture_on_commit_callbacks)
    wecom.expire_tokens()
    wecom.calls.clear()
    [row] = send(bound, [bound.manager], django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.SENT and row.attempts == 1
    assert wecom.calls == [
        ("POST", "/cgi-bin/message/send"),  # 42001 access_token expired
        ("GET", "/cgi-bin/gettoken"),
        ("POST", "/cgi-bin/message/send"),
    ]
    assert wecom.token_requests == 2 and len(wecom.messages) == 2


def test_an_unknown_userid_fails_at_once_with_wecoms_words(world, wecom, django_capture_on_commit_callbacks):
    channel_address_set(actor=world.admin, user=world.desk, channel="wecom", address="left-the-company")
    [row] = send(world, [world.desk], django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.FAILED and row.attempts == 1
    assert "81013" in row.last_error and "user & party & tag all invalid" in row.last_error
    later = services._now() + datetime.timedelta(hours=2)
    assert services.deliver_due(now=later) == 0
    assert wecom.messages == []


def test_a_busy_provider_is_retried_later_and_the_message_goes_once(
    bound, wecom, django_capture_on_commit_callbacks
):
    wecom.fail_next = [{"errcode": -1, "errmsg": "system busy"}]
    [row] = send(bound, [bound.technician], django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.PENDING and row.attempts == 1 and "system busy" in row.last_error
    later = services._now() + datetime.timedelta(minutes=5)
    for _run in range(3):
        services.deliver_due(now=later)
    row.refresh_from_db()
    assert row.state == State.SENT and row.attempts == 2
    assert len(wecom.messages) == 1


def test_wrong_credentials_are_a_temporary_failure_that_names_the_problem(
    bound, wecom, settings, django_capture_on_commit_callbacks
):
    settings.GUANJIA_WECOM_SECRET = "not-the-secret"
    [row] = send(bound, [bound.technician], django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.PENDING and "40001 invalid secret" in row.last_error
    assert wecom.messages == []


def test_setting_a_userid_is_journaled(bound):
    change = ObjectChange.objects.filter(changes__address__isnull=False).order_by("-id").first()
    assert change is not None and change.actor == bound.admin
    assert Notification.objects.count() == 0
