"""Issuing and revoking API tokens."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.accounts.models import ApiToken, hash_token
from guanjia.core.errors import NotAllowed
from guanjia.core.scoping import adopt_cached_scope, drop_shared, scope_cache_key


def token_issue(*, request, username: str, password: str) -> tuple[ApiToken, str]:
    """Check the password (throttled by django-axes) and return a new token and its raw key once."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise NotAllowed(_("用户名或密码错误，或账号已被暂时锁定"))
    return token_create(user=user)


def token_create(*, user) -> tuple[ApiToken, str]:
    """A new token for a user who has just proved who they are (a password, an SMS code)."""
    raw = ApiToken.new_raw_key()
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, raw


# A token and its user are kept in the shared cache between calls (every API call needs them;
# Redis in production, so every app server sees the same copy). Revoking the token or changing the
# user drops the copy at once (``forget_cached_tokens``); the time-out only bounds what a missed
# path could leave behind.
TOKEN_CACHE_SECONDS = 60


def _token_key(key_hash: str) -> str:
    return f"apitoken:{key_hash}"


# A token's user never changes, so once this process has met a token it knows whose scope the call
# will need and reads it in the same round trip as the token (one MGET instead of two GETs). Only
# the id is kept here: the token and the scope themselves are always read from the shared cache.
_token_users: dict[str, int] = {}
_TOKEN_USERS_MAX = 10_000


def token_authenticate(raw: str):
    """The user behind a raw bearer key, or None if it is unknown, expired or revoked."""
    key_hash = hash_token(raw)
    key = _token_key(key_hash)
    user_id = _token_users.get(key_hash)
    scope = None
    if user_id is None:
        token = cache.get(key)
    else:
        scope_key = scope_cache_key(user_id)
        found = cache.get_many([key, scope_key])
        token, scope = found.get(key), found.get(scope_key)
    if token is None:
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if token is None:
            return None
        if not connection.in_atomic_block:  # never cache rows another transaction may not see
            cache.set(key, token, TOKEN_CACHE_SECONDS)
    if not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write on every call would serialise readers on SQLite.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        if not connection.in_atomic_block:
            cache.set(key, token, TOKEN_CACHE_SECONDS)
    token.user._api_token = token
    if user_id is None:
        if len(_token_users) >= _TOKEN_USERS_MAX:
            _token_users.clear()
        _token_users[key_hash] = token.user_id
    elif scope is not None and token.user_id == user_id:
        adopt_cached_scope(token.user, scope)
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_cached_tokens(token_hashes=[token.key_hash])


def forget_cached_tokens(*, user_id: int | None = None, token_hashes=()) -> None:
    """Drop the shared copies of these tokens, or of every token of the user."""
    hashes = list(token_hashes)
    if user_id is not None:
        hashes += ApiToken.objects.filter(user_id=user_id).values_list("key_hash", flat=True)
    drop_shared([_token_key(h) for h in hashes])


def connect_token_signals() -> None:
    """A changed user (deactivated, roles, password) or token drops its cached copies."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    def by_user(sender, instance, **kwargs):
        forget_cached_tokens(user_id=instance.pk)

    def by_token(sender, instance, **kwargs):
        forget_cached_tokens(token_hashes=[instance.key_hash])

    for model, receiver in ((get_user_model(), by_user), (ApiToken, by_token)):
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"token-save-{model._meta.label}")
        post_delete.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"token-delete-{model._meta.label}"
        )
