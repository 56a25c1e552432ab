"""Issuing and revoking API tokens."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.accounts.models import ApiToken, hash_token
from guanjia.core.errors import NotAllowed


def token_issue(*, request, username: str, password: str) -> tuple[ApiToken, str]:
    """Check the password (throttled by django-axes) and return a new token and its raw key once."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise NotAllowed(_("用户名或密码错误，或账号已被暂时锁定"))
    raw = ApiToken.new_raw_key()
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, raw


def token_authenticate(raw: str):
    """The user behind a raw bearer key, or None if it is unknown, expired or revoked."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write on every call would serialise readers on SQLite.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user._api_token = token
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
