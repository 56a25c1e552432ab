"""The shared cache (Redis) as something the site can live without for a while.

Everything Guanjia keeps in the cache can be computed again from the database (``core.cache``,
scopes, provider tokens), so when Redis is stopped or unreachable a read is a miss and a write is
dropped, and the request goes on; nothing is raised to the page. After a failure the cache is left
alone for ``RETRY_SECONDS`` (each call would otherwise wait for its own connection timeout), then
tried again; the first failure of such a spell is logged once, as a warning.

Settings: ``CACHES["default"]["BACKEND"] = "guanjia.core.failsoft_cache.FailSoftRedisCache"``,
with short socket timeouts in ``OPTIONS`` (see settings).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FAILURES = (RedisError, OSError)


class CacheUnavailable(ValueError):
    """``incr`` on an unreachable cache (a ValueError, as for a missing key: callers handle both)."""


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a new ``redis.Redis`` for every cache call, and redis-py's constructor
    builds its table of ~170 response callbacks each time (~0.3 ms, five times in a create). One
    ``redis.Redis`` per connection pool is kept instead: it takes a connection from its pool for each
    command, so it is safe to share between threads, and the pool renews its connections after a fork."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    RETRY_SECONDS = 5.0

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", self.RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = KeptClientRedisCacheClient
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False while a recent failure keeps the cache switched off."""
        return time.monotonic() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            first = self.available
            self._down_until = time.monotonic() + self.retry_seconds
        if first:
            logger.warning("The cache is unreachable (%s); serving without it for now", exc)

    def _call(self, method, default, *args, **kwargs):
        if not self.available:
            return default
        try:
            return method(*args, **kwargs)
        except FAILURES as exc:
            self._failed(exc)
            return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call(super().incr, missing, key, delta, version)
        if value is missing:
            raise CacheUnavailable("the cache is unreachable")
        return value

    def count_windows(self, windows):
        """Rate-limit windows (``core.ratelimit``): for each ``(key, seconds)`` the count after one
        more, the key made to expire ``seconds`` + 5 after its first count; all in one round trip
        (``SET NX EX`` and ``INCR`` per key, pipelined) where ``add`` + ``incr`` took three per key.
        None for each while the cache is unreachable."""

        def run():
            client = self._cache.get_client(write=True)
            pipe = client.pipeline(transaction=False)
            for key, seconds in windows:
                name = self.make_and_validate_key(key)
                pipe.set(name, 0, ex=int(seconds) + 5, nx=True)
                pipe.incr(name)
            return [int(count) for count in pipe.execute()[1::2]]

        return self._call(run, [None] * len(windows))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version)

    def clear(self):
        return self._call(super().clear, False)
