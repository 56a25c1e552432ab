"""WeChat official-account template messages to residents, end to end against a local WeChat server:
the openid the resident bound, the template the company chose for the kind, the variables filled
from the kind's parameters, a link into the portal; token renewed when WeChat says it is stale;
an unfollowed account or an unknown openid failing at once; configuration refused when wrong."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from guanjia.core.errors import NotAllowed
from guanjia.notifications import services
from guanjia.notifications.addresses import channel_address_set
from guanjia.notifications.kinds import register_kind
from guanjia.notifications.messages import Message
from guanjia.notifications.models import Channel, State, WechatTemplate
from guanjia.notifications.quiet_hours import TZ
from guanjia.notifications.tests.conftest import OPENID_OTHER, OPENID_RESIDENT
from guanjia.notifications.wechat_templates import wechat_template_set
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

register_kind("tests.ticket_done", "工单完工（测试）", params=("number", "what"))


@pytest.fixture
def daytime(monkeypatch):
    """10:00 in Shanghai today: outside residents' quiet hours, whenever the test runs."""
    moment = datetime.datetime.combine(datetime.datetime.now(TZ).date(), datetime.time(10, 0), tzinfo=TZ)
    monkeypatch.setattr(services, "_now", lambda: moment)
    return moment


@pytest.fixture
def bound(world, wechat, daytime):
    channel_address_set(
        actor=world.resident_user, user=world.resident_user, channel="wechat", address=OPENID_RESIDENT
    )
    wechat_template_set(
        actor=world.admin,
        kind="tests.ticket_done",
        template_id="TPL-ticket-01",
        variables={"thing1": "subject", "character_string2": "number"},
    )
    return world


def send(world, capture, recipients=None, **kwargs):
    kwargs.setdefault("subject", Message(gettext_lazy("紧急工单 %(number)s 已派给您"), number="JY-42"))
    kwargs.setdefault("body", "厨房漏水已修好")
    kwargs.setdefault("url", "/portal/tickets/42/")
    kwargs.setdefault("channels", (Channel.WECHAT,))
    kwargs.setdefault("kind", "tests.ticket_done")
    with capture(execute=True):
        return services.notify(recipients=recipients or [world.resident_user], related=world.unit, **kwargs)


def test_a_resident_gets_the_kinds_template_filled_with_its_parameters_and_a_portal_link(
    bound, wechat, django_capture_on_commit_callbacks
):
    [row] = send(bound, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.SENT and row.attempts == 1
    [message] = wechat.messages
    assert message["touser"] == OPENID_RESIDENT and message["template_id"] == "TPL-ticket-01"
    assert message["data"] == {
        "thing1": {"value": "紧急工单 JY-42 已派给您"},
        "character_string2": {"value": "JY-42"},
    }
    assert message["url"] == "https://guanjia.example.com/portal/tickets/42/"
    # The next message reuses the token.
    send(bound, django_capture_on_commit_callbacks, body="第二条")
    assert len(wechat.messages) == 2 and wechat.token_requests == 1


def test_a_stale_token_is_renewed_and_the_message_sent_in_the_same_attempt(
    bound, wechat, django_capture_on_commit_callbacks
):
    send(bound, django_capture_on_commit_callbacks)
    wechat.expire_tokens()
    wechat.calls.clear()
    [row] = send(bound, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.SENT and row.attempts == 1
    assert wechat.calls == [
        ("POST", "/cgi-bin/message/template/send"),  # 42001 access_token expired
        ("POST", "/cgi-bin/stable_token"),
        ("POST", "/cgi-bin/message/template/send"),
    ]


def test_a_resident_who_unfollowed_fails_at_once(bound, wechat, django_capture_on_commit_callbacks):
    wechat.followers.clear()
    [row] = send(bound, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.FAILED and row.attempts == 1 and "43004 require subscribe" in row.last_error
    assert services.deliver_due(now=services._now() + datetime.timedelta(hours=1)) == 0
    assert wechat.messages == []


def test_an_openid_the_account_does_not_know_fails_at_once(
    world, wechat, daytime, django_capture_on_commit_callbacks
):
    channel_address_set(
        actor=world.other_resident_user,
        user=world.other_resident_user,
        channel="wechat",
        address=OPENID_OTHER,
    )
    wechat_template_set(
        actor=world.admin,
        kind="general",
        template_id="TPL-ticket-01",
        variables={"thing1": "subject", "character_string2": "url"},
    )
    [row] = send(
        world, django_capture_on_commit_callbacks, recipients=[world.other_resident_user], kind="general"
    )
    row.refresh_from_db()
    assert row.state == State.FAILED and "40003 invalid openid" in row.last_error


def test_a_kind_without_a_template_falls_back_to_general_or_fails_saying_so(
    world, wechat, daytime, django_capture_on_commit_callbacks
):
    channel_address_set(
        actor=world.resident_user, user=world.resident_user, channel="wechat", address=OPENID_RESIDENT
    )
    [row] = send(world, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.FAILED and "no WeChat template for kind 'tests.ticket_done'" in row.last_error
    wechat_template_set(
        actor=world.admin,
        kind="general",
        template_id="TPL-ticket-01",
        variables={"thing1": "subject", "character_string2": "url"},
    )
    [row] = send(world, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.SENT
    assert (
        wechat.messages[0]["data"]["character_string2"]["value"]
        == "https://guanjia.example.com/portal/tickets/42/"
    )


def test_a_busy_provider_is_retried_and_nothing_goes_twice(bound, wechat, django_capture_on_commit_callbacks):
    wechat.fail_next = [{"errcode": 45009, "errmsg": "reach max api daily quota limit"}]
    [row] = send(bound, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == State.PENDING and "45009" in row.last_error
    later = services._now() + datetime.timedelta(minutes=5)
    services.deliver_due(now=later)
    services.deliver_due(now=later)
    row.refresh_from_db()
    assert row.state == State.SENT and len(wechat.messages) == 1


def test_template_configuration_is_checked_when_it_is_set(world):
    with pytest.raises(ValidationError) as refused:
        wechat_template_set(
            actor=world.admin, kind="tests.ticket_done", template_id="TPL-1", variables={"thing1": "amount"}
        )
    assert "variables" in refused.value.message_dict
    assert "amount" in refused.value.message_dict["variables"][0]
    with pytest.raises(ValidationError) as refused:
        wechat_template_set(
            actor=world.admin, kind="no.such.kind", template_id="TPL-1", variables={"a": "url"}
        )
    assert "kind" in refused.value.message_dict
    with pytest.raises(NotAllowed):
        wechat_template_set(actor=world.manager, kind="general", template_id="TPL-1", variables={"a": "url"})
    assert WechatTemplate.objects.count() == 0


def test_the_template_api_for_administrators(world):
    api = Api(world.admin)
    bad = api._call(
        "put",
        "notifications/wechat-templates/tests.ticket_done",
        {"template_id": "TPL-1", "variables": {"thing1": "nope"}},
    )
    assert bad.status_code == 422 and "variables" in bad.json()["errors"]
    ok = api._call(
        "put",
        "notifications/wechat-templates/tests.ticket_done",
        {"template_id": "TPL-1", "variables": {"thing1": "number"}},
    )
    assert ok.status_code == 200 and ok.json()["variables"] == {"thing1": "number"}
    assert [t["kind"] for t in api.get("notifications/wechat-templates").json()] == ["tests.ticket_done"]
    # Other people: not administrators, or of another company.
    assert Api(world.manager).get("notifications/wechat-templates").status_code == 403
    assert Api(world.foreign_admin).get("notifications/wechat-templates").json() == []
    assert (
        Api(world.foreign_admin).delete("notifications/wechat-templates/tests.ticket_done").status_code == 404
    )
    assert api.delete("notifications/wechat-templates/tests.ticket_done").status_code == 204
    assert WechatTemplate.objects.count() == 0


def test_the_template_page(world, client):
    client.force_login(world.admin)
    page = client.post(
        "/notifications/wechat-templates/",
        {"kind": "tests.ticket_done", "template_id": "TPL-1", "variables": "thing1=amount"},
    )
    assert page.status_code == 422 and "amount" in page.content.decode()
    page = client.post(
        "/notifications/wechat-templates/",
        {"kind": "tests.ticket_done", "template_id": "TPL-1", "variables": "thing1=number\ntime2=url"},
    )
    assert page.status_code == 302
    assert WechatTemplate.objects.get().variables == {"thing1": "number", "time2": "url"}
    client.force_login(world.manager)
    assert client.get("/notifications/wechat-templates/").status_code == 403
