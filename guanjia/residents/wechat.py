"""Signing in inside WeChat (公众号 H5) with OAuth ``snsapi_base``: the resident's ``openid``.

1. ``authorize_url`` sends the browser to ``open.weixin.qq.com/connect/oauth2/authorize`` (silent:
   ``snsapi_base`` asks the person nothing) with a one-time ``state`` kept in the session.
2. WeChat returns to ``/portal/wechat/callback/?code=…&state=…``; ``openid_for_code`` exchanges the
   code at ``api.weixin.qq.com/sns/oauth2/access_token`` (documented HTTP API, no SDK).
3. An openid already bound (``notifications.ChannelAddress``, channel ``wechat``) signs its resident
   in at once; otherwise the person signs in once by phone and SMS code, and the openid is bound.

Configured by the environment: ``WECHAT_APPID``, ``WECHAT_SECRET`` (off when either is empty),
``WECHAT_OAUTH_URL`` and ``WECHAT_API_URL`` (the providers' addresses; tests point them at a fake).
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from guanjia.notifications.models import Channel, ChannelAddress

STATE_KEY = "residents_wechat_state"
PENDING_KEY = "residents_wechat_openid"


class WeChatError(Exception):
    """The provider refused (``errcode``/``errmsg``) or could not be reached."""


def enabled() -> bool:
    return bool(getattr(settings, "WECHAT_APPID", "") and getattr(settings, "WECHAT_SECRET", ""))


def authorize_url(request) -> str:
    state = secrets.token_urlsafe(16)
    request.session[STATE_KEY] = state
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    query = urllib.parse.urlencode(
        {
            "appid": settings.WECHAT_APPID,
            "redirect_uri": site + reverse("residents:wechat_callback"),
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    base = getattr(settings, "WECHAT_OAUTH_URL", "https://open.weixin.qq.com").rstrip("/")
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def state_ok(request, state: str) -> bool:
    expected = request.session.pop(STATE_KEY, None)
    return bool(expected) and secrets.compare_digest(expected, state or "")


def openid_for_code(code: str) -> str:
    """Exchange an OAuth ``code`` (valid 5 minutes, once) for the person's openid."""
    base = getattr(settings, "WECHAT_API_URL", "https://api.weixin.qq.com").rstrip("/")
    query = urllib.parse.urlencode(
        {
            "appid": settings.WECHAT_APPID,
            "secret": settings.WECHAT_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        }
    )
    if not base.startswith(("https://", "http://")):
        raise WeChatError("WECHAT_API_URL must be an http(s) address")
    try:
        # The scheme is checked above: only http(s) to the configured provider.
        with urllib.request.urlopen(f"{base}/sns/oauth2/access_token?{query}", timeout=10) as reply:  # noqa: S310
            body = json.loads(reply.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise WeChatError(f"{type(exc).__name__}: {exc}") from exc
    if body.get("errcode"):
        raise WeChatError(f"{body.get('errcode')}: {body.get('errmsg', '')}")
    openid = body.get("openid") or ""
    if not openid:
        raise WeChatError("no openid in the answer")
    return openid


def users_with_openid(openid: str) -> list:
    """The active logins this openid is bound to (one per company at most)."""
    rows = ChannelAddress.objects.filter(channel=Channel.WECHAT, address=openid).select_related("user")
    return [row.user for row in rows if row.user.is_active]


def bind_openid(*, user, openid: str) -> ChannelAddress:
    """Bind ``openid`` to ``user`` (after their phone was checked): one openid per person and company.

    Unlike ``notifications.services.channel_address_set``, which refuses an address bound to someone
    else, this moves it: whoever holds the WeChat account has just proved the phone number, so the
    account follows them (a family's shared phone, a number given up). Both changes are journaled.
    """
    with transaction.atomic():
        ChannelAddress.objects.filter(
            company_id=user.company_id, channel=Channel.WECHAT, address=openid
        ).exclude(user=user).delete()
        row = ChannelAddress.objects.filter(user=user, channel=Channel.WECHAT).select_for_update().first()
        if row is None:
            row = ChannelAddress(company_id=user.company_id, user=user, channel=Channel.WECHAT)
        if row.address != openid:
            row.address = openid
            row.save()
        return row
