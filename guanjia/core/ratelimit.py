"""Rate limits on the API (``/api/``), per token and per client address, in the shared cache.

Each request counts against two budgets: its credential's (the bearer token, or the signed-in
session's user) and its client address's (``core.clients.client_address``: the real client behind
the trusted proxies). Writes (POST, PUT, PATCH, DELETE) have budgets of their own, smaller than
reads'. A budget is a number of requests per window (``"600/60"``: 600 per 60 seconds), counted in
fixed windows in the shared cache (Redis in production), so every app server counts together.

Over a budget the answer is 429 with the API's JSON error and ``Retry-After`` (seconds to the end of
the window). Login (``POST /api/v1/auth/token``) counts as a write of its address; it also has
django-axes' lock-out per username and address.

When the cache is unreachable the request is let through: counting is not worth refusing service.
Settings (environment): ``API_RATE_LIMITS`` (on/off), ``API_RATE_TOKEN_READ``,
``API_RATE_TOKEN_WRITE``, ``API_RATE_ADDRESS_READ``, ``API_RATE_ADDRESS_WRITE``.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _

from guanjia.core.clients import client_address

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def parse_rate(text: str) -> tuple[int, int]:
    """``"600/60"`` → (600 requests, 60 seconds). ``"600/min"`` and ``/hour`` are read too."""
    count, _sep, period = text.partition("/")
    seconds = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600}.get(period.strip())
    return int(count), seconds if seconds is not None else int(period or 60)


def _credential(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return "t:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    session = getattr(request, "session", None)
    user_id = session.get("_auth_user_id") if session is not None else None
    return f"u:{user_id}" if user_id else None


def _count(key: str, period: int) -> int | None:
    """This window's count after this request, or None when the cache cannot count."""
    try:
        cache.add(key, 0, period + 5)
        return cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is unreachable
        return None
    except Exception:
        logger.warning("The rate limit could not be counted", exc_info=True)
        return None


def _count_all(windows: list[tuple[str, int]]) -> list[int | None]:
    """Each window's count after this request: in one round trip where the cache can
    (``FailSoftRedisCache.count_windows``, Redis in production), else one key after the other."""
    count_windows = getattr(cache, "count_windows", None)
    if count_windows is not None:
        return count_windows(windows)
    return [_count(key, period) for key, period in windows]


def check(request) -> tuple[str, int] | None:
    """The budget exceeded, as (name, seconds until its window ends), or None. Every budget of the
    request is counted, refused or not."""
    kind = "write" if request.method in WRITE_METHODS else "read"
    budgets = []
    credential = _credential(request)
    if credential:
        budgets.append(("token", credential, settings.API_RATE_LIMITS[f"token_{kind}"]))
    address = client_address(request)
    if address:
        budgets.append(("address", address, settings.API_RATE_LIMITS[f"address_{kind}"]))
    now = time.time()
    windows, limits = [], []
    for name, ident, rate in budgets:
        limit, period = parse_rate(rate)
        window = int(now // period)
        windows.append((f"guanjia:rl:{name}:{kind}:{ident}:{period}:{window}", period))
        limits.append((name, limit, period, window))
    for (name, limit, period, window), count in zip(limits, _count_all(windows), strict=True):
        if count is not None and count > limit:
            return name, max(1, int((window + 1) * period - now + 0.999))
    return None


class ApiRateLimitMiddleware:
    """Refuses an API request over its token's or its address's budget with 429."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.API_RATE_LIMITS.get("enabled") and request.path_info.startswith("/api/"):
            exceeded = check(request)
            if exceeded is not None:
                name, retry_after = exceeded
                logger.warning("API rate limit (%s) exceeded; retry after %ss", name, retry_after)
                message = _("请求过于频繁，请 %(seconds)s 秒后重试") % {"seconds": retry_after}
                response = JsonResponse(
                    {"detail": message, "errors": {}}, status=429, json_dumps_params={"ensure_ascii": False}
                )
                response["Retry-After"] = str(retry_after)
                return response
        return self.get_response(request)
