"""Behind the reverse proxy, the client is the address the proxy saw — not the proxy, not a forged header."""

import pytest
from django.test import Client, RequestFactory, override_settings

from guanjia.core.clients import client_address
from guanjia.testing.factories import PASSWORD

PROXIES = ["127.0.0.1", "10.0.0.0/8"]


def _address(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


@override_settings(TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),  # nginx on the host saw the client
        ("10.0.1.11", "203.0.113.5, 10.0.2.2", "203.0.113.5"),  # two proxies
        ("127.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client forged a hop to the left
        ("127.0.0.1", None, "127.0.0.1"),  # no header: the proxy itself (a health check)
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),  # not a proxy: its header is not believed
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_behind_trusted_proxies(remote, forwarded, client):
    assert _address(remote, forwarded) == client


@override_settings(TRUSTED_PROXIES=[])
def test_without_proxies_the_peer_is_the_client():
    assert _address("203.0.113.5", "6.6.6.6") == "203.0.113.5"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=PROXIES)
def test_one_clients_failed_logins_do_not_lock_out_another_behind_the_same_proxy(world):
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(6):
        attacker.post("/login/", {"username": world.desk.username, "password": "guess"})
    assert (
        attacker.post("/login/", {"username": world.desk.username, "password": PASSWORD}).status_code == 429
    )

    owner = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = owner.post("/login/", {"username": world.desk.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in owner.session
