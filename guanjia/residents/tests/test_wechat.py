"""WeChat H5: OAuth snsapi_base against a local fake; the openid bound after the phone check, then
a returning resident signed in at once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from guanjia.notifications.models import ChannelAddress
from guanjia.testing.fake_wechat import APPID, SECRET, FakeWeChat
from guanjia.testing.residents import last_code

pytestmark = pytest.mark.django_db

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


@pytest.fixture
def fake(settings):
    with FakeWeChat() as server:
        settings.WECHAT_APPID = APPID
        settings.WECHAT_SECRET = SECRET
        settings.WECHAT_OAUTH_URL = server.url
        settings.WECHAT_API_URL = server.url
        yield server


def _authorise(client, fake, openid=OPENID):
    """The browser goes to WeChat and comes back with a code (what WeChat does, played by the fake)."""
    response = client.get("/portal/wechat/")
    assert response.status_code == 302
    target = urlparse(response.url)
    assert target.path == "/connect/oauth2/authorize" and response.url.endswith("#wechat_redirect")
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["appid"] == APPID and query["scope"] == "snsapi_base" and query["response_type"] == "code"
    assert query["redirect_uri"].endswith("/portal/wechat/callback/")
    return client.get("/portal/wechat/callback/", {"code": fake.issue_code(openid), "state": query["state"]})


def test_openid_is_bound_after_the_phone_check_and_signs_in_next_time(world, fake, sms, committed):
    client = Client()
    first = _authorise(client, fake)
    assert first.status_code == 302 and first.url == "/portal/login/"
    assert fake.requests[-1]["secret"] == SECRET and fake.requests[-1]["grant_type"] == "authorization_code"
    assert not ChannelAddress.objects.exists()
    phone = world.resident.phone
    with committed():
        client.post("/portal/login/", {"phone": phone, "action": "send"})
    response = client.post(
        "/portal/login/", {"phone": phone, "code": last_code(sms, phone), "action": "verify"}
    )
    assert response.status_code == 302 and response.url == "/portal/"
    bound = ChannelAddress.objects.get(channel="wechat")
    assert bound.user == world.resident_user and bound.address == OPENID and bound.company == world.company

    # Next visit from WeChat: signed in at once, no code.
    returning = Client()
    again = _authorise(returning, fake)
    assert again.status_code == 302 and again.url == "/portal/"
    assert returning.get("/portal/").wsgi_request.user == world.resident_user


def test_an_invalid_code_or_state_is_refused_clearly(world, fake):
    client = Client()
    response = client.get("/portal/wechat/")
    state = parse_qs(urlparse(response.url).query)["state"][0]
    refused = client.get("/portal/wechat/callback/", {"code": "not-a-real-code", "state": state}, follow=True)
    assert "微信授权失败" in refused.content.decode()
    assert fake.requests[-1]["code"] == "not-a-real-code"  # the fake answered 40029
    assert not refused.wsgi_request.user.is_authenticated
    # A state not issued to this browser is never exchanged.
    asked = len(fake.requests)
    forged = Client().get("/portal/wechat/callback/", {"code": fake.issue_code(OPENID), "state": state})
    assert forged.status_code == 302 and len(fake.requests) == asked


def test_a_wrong_secret_is_refused_by_the_provider(world, fake, settings):
    settings.WECHAT_SECRET = "0" * 32
    client = Client()
    response = _authorise(client, fake)
    assert response.status_code == 302 and response.url == "/portal/login/"
    assert not client.session.get("_auth_user_id")


def test_without_configuration_the_button_is_hidden(world, settings):
    settings.WECHAT_APPID = ""
    page = Client().get("/portal/login/")
    assert "微信一键登录" not in page.content.decode()
    assert Client().get("/portal/wechat/").url == "/portal/login/"
