"""Backends that reach real providers over their documented HTTP APIs (WeCom, the WeChat official
account). What they share: a thin JSON client with a timeout, and an access token kept in the shared
cache (Redis in production) so that every app server and worker uses the same one.

Both providers answer every call with ``{"errcode": 0, "errmsg": "ok", …}`` or an error code; a
backend sorts the codes into "the token is stale: renew it and try once more", "this recipient can
never be reached" (``DeliveryError(permanent=True)``) and "try again later" (everything else).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from django.core.cache import cache

from guanjia.notifications.channels import DeliveryError

logger = logging.getLogger("guanjia.notifications.providers")

TIMEOUT_SECONDS = 10


def call_json(method: str, base_url: str, path: str, *, query: dict | None = None, body=None) -> dict:
    """One HTTP call to a provider; its JSON reply. Network trouble is a (temporary) DeliveryError."""
    url = base_url.rstrip("/") + path
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise DeliveryError(f"provider address must be http(s): {base_url!r}")
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None
    headers = {"Accept": "application/json"}
    if body is not None:
        # WeChat reads the body as UTF-8 JSON; escaped \\u sequences would count against length limits.
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {path}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    try:
        reply = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise DeliveryError(f"not JSON from {path}: {raw[:200]!r}") from exc
    if not isinstance(reply, dict):
        raise DeliveryError(f"unexpected reply from {path}: {reply!r}"[:300])
    return reply


def describe(reply: dict) -> str:
    """The provider's own words for an error: ``42001 access_token expired``."""
    return f"{reply.get('errcode')} {reply.get('errmsg', '')}".strip()


class AccessToken:
    """A provider's access token in the shared cache, renewed before ``expires_in`` runs out.

    ``fetch()`` asks the provider and returns ``(token, expires_in)``. The cached copy lives a little
    shorter than the provider's validity (a fifth of it, at most five minutes), so a token is not
    used in its last moments; when the provider says it is stale anyway, ``renew(stale)`` drops it
    (only if no other server has already replaced it) and fetches a fresh one.
    """

    def __init__(self, key: str, fetch: Callable[[bool], tuple[str, int]]):
        self.key = key
        self.fetch = fetch

    def get(self) -> str:
        token = cache.get(self.key)
        if token:
            return token
        return self._fetch(force=False)

    def renew(self, stale: str) -> str:
        if cache.get(self.key) == stale:
            cache.delete(self.key)
        token = cache.get(self.key)
        if token and token != stale:
            return token  # another server renewed it meanwhile
        return self._fetch(force=True)

    def _fetch(self, *, force: bool) -> str:
        token, expires_in = self.fetch(force)
        margin = min(300, max(expires_in // 5, 0))
        cache.set(self.key, token, timeout=max(expires_in - margin, 1))
        return token


def truncate_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (providers count bytes, Chinese is 3 each)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit - 3, 0)].decode("utf-8", errors="ignore") + "…"
