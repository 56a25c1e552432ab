"""The API's budgets: per token and per client address, writes tighter than reads, 429 with a JSON
error and Retry-After, counted in the shared cache."""

import shutil
import socket
import subprocess
import time

import pytest
from django.test import Client, override_settings

from guanjia.core import ratelimit
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def limits(**rates):
    base = {
        "enabled": True,
        "token_read": "1000/60",
        "token_write": "1000/60",
        "address_read": "1000/60",
        "address_write": "1000/60",
    }
    return override_settings(API_RATE_LIMITS=base | rates, TRUSTED_PROXIES=["127.0.0.1"])


def _from(api, address):
    api.client.defaults.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
    return api


def test_a_token_over_its_read_budget_gets_429_with_retry_after(world):
    with limits(token_read="3/60"):
        api = _from(Api(world.desk), "203.0.113.1")
        assert [api.get("units").status_code for _ in range(3)] == [200, 200, 200]
        refused = api.get("units")
        assert refused.status_code == 429
        assert "detail" in refused.json() and refused.json()["errors"] == {}
        assert 1 <= int(refused["Retry-After"]) <= 60
        # Another person's token from the same address is not held back.
        assert _from(Api(world.manager), "203.0.113.1").get("units").status_code == 200


def test_writes_have_a_smaller_budget_than_reads(world):
    with limits(token_write="2/60", token_read="50/60"):
        api = _from(Api(world.desk), "203.0.113.2")
        for _ in range(2):
            assert api.post("tickets", {}).status_code == 422  # counted, refused as invalid
        assert api.post("tickets", {}).status_code == 429
        assert api.get("units").status_code == 200  # reading goes on


def test_one_address_is_limited_whatever_tokens_it_uses(world):
    with limits(address_read="4/60"):
        people = [world.desk, world.manager, world.admin, world.hq]
        answers = [_from(Api(user), "198.51.100.7").get("units").status_code for user in people]
        assert answers == [200, 200, 200, 200]
        assert _from(Api(world.technician), "198.51.100.7").get("units").status_code == 429
        # Another client behind the same proxy is a different address.
        assert _from(Api(world.technician), "198.51.100.8").get("units").status_code == 200


def test_anonymous_callers_count_against_their_address(world):
    with limits(address_write="2/60"):
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.50")
        statuses = [
            client.post(
                "/api/v1/auth/token", {"username": "nobody", "password": "x"}, content_type="application/json"
            ).status_code
            for _ in range(3)
        ]
        assert statuses[:2] != [429, 429] and statuses[2] == 429


def test_the_session_counts_as_the_signed_in_user(world):
    with limits(token_read="2/60"):
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.60")
        client.force_login(world.desk)
        assert [client.get("/api/v1/units").status_code for _ in range(3)] == [200, 200, 429]


def test_pages_outside_the_api_are_not_counted(world):
    with limits(address_read="1/60"):
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.70")
        assert [client.get("/login/").status_code for _ in range(3)] == [200, 200, 200]


def test_an_unreachable_cache_lets_requests_through(world, monkeypatch):
    from guanjia.core.failsoft_cache import CacheUnavailable

    def down(*args, **kwargs):
        raise CacheUnavailable("the cache is unreachable")

    monkeypatch.setattr(ratelimit.cache, "incr", down)
    with limits(token_read="1/60", address_read="1/60"):
        api = _from(Api(world.desk), "203.0.113.3")
        assert [api.get("units").status_code for _ in range(3)] == [200, 200, 200]


def test_rates_are_read_as_requests_per_seconds():
    assert ratelimit.parse_rate("600/60") == (600, 60)
    assert ratelimit.parse_rate("10/min") == (10, 60)
    assert ratelimit.parse_rate("100/hour") == (100, 3600)


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_with_redis_both_budgets_are_counted_in_one_round_trip(world):
    """Production's cache: the token's and the address's windows in one pipelined round trip, the
    budget still refusing the request over it, and each window expiring after its period."""
    import redis
    from django.core.cache import caches

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        redis_cache = {
            "default": {
                "BACKEND": "guanjia.core.failsoft_cache.FailSoftRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        with override_settings(CACHES=redis_cache), limits(token_read="3/60"):
            api = _from(Api(world.desk), "203.0.113.9")
            assert [api.get("units").status_code for _ in range(3)] == [200, 200, 200]
            request = api.get("units").wsgi_request  # the 4th: over the token's budget
            assert request is not None
            trips = []
            real_command, real_execute = redis.Redis.execute_command, redis.client.Pipeline.execute

            def command(self, *args, **kwargs):
                if not isinstance(self, redis.client.Pipeline):
                    trips.append(args[0])
                return real_command(self, *args, **kwargs)

            def execute(self, *args, **kwargs):
                trips.append("pipeline")
                return real_execute(self, *args, **kwargs)

            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(redis.Redis, "execute_command", command)
                mp.setattr(redis.client.Pipeline, "execute", execute)
                assert ratelimit.check(request)[0] == "token"
            assert trips == ["pipeline"]
            refused = api.get("units")
            assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
            client = caches["default"]._cache.get_client()
            keys = [key.decode() for key in client.keys("*guanjia:rl:*")]
            assert {key.split(":")[4] for key in keys} == {"token", "address"}
            assert all(0 < client.ttl(key) <= 65 for key in keys)
    finally:
        server.terminate()
        server.wait(timeout=10)
