"""The address of the client, as seen through the trusted reverse proxies.

Behind nginx every request's ``REMOTE_ADDR`` is the proxy's (gunicorn does not rewrite it), so a
login lock-out keyed on it would lock every client out together — anyone knowing a username could
shut its owner out. The proxies append the address they saw to ``X-Forwarded-For``; read from the
right, the first address that is not one of our proxies is the client. Addresses to the left of it
were written by the client itself and are never trusted. ``TRUSTED_PROXIES`` (addresses or networks)
lists the proxies; empty means no proxy: ``REMOTE_ADDR`` is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def client_address(request) -> str | None:
    """The client's IP address as text (None when even the peer's is missing or malformed)."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    chain = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part for part in chain.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            return str(peer)  # a malformed hop: stop at the last address we can vouch for
        if not _trusted(address, networks):
            return str(address)
        peer = address
    return str(peer)
