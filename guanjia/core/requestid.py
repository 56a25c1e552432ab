"""The request id: one short string that follows a request through its log lines, its journal
entries and the background jobs it enqueues (``core.queue``), so one grep finds all of them.

The id comes from the trusted reverse proxy's ``X-Request-ID`` (nginx's ``$request_id``) when the
request came through one of ``TRUSTED_PROXIES`` and the value is sane (letters, digits, ``-_.:``,
at most 64 characters); otherwise it is generated here. It is answered in the response's
``X-Request-ID`` header, so a person reporting an error can quote it.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

from guanjia.core.clients import _address, _networks, _trusted

HEADER = "X-Request-ID"
# Where the id is also left in the WSGI environ, for the server's access line
# (core.gunicorn_logs), which would otherwise search the response's headers for it.
ENVIRON_KEY = "guanjia.request_id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class RequestInfo:
    """What a log line says about the request (or the job) it was written in."""

    request_id: str
    path: str = ""
    request: Any = None

    @property
    def user_id(self) -> int | None:
        """The signed-in user's id, once something has looked the user up. Never looks it up
        itself: a log line must not query the database (which may be what failed)."""
        if self.request is None:
            return None
        user = self.request.__dict__.get("user")
        if isinstance(user, SimpleLazyObject):
            user = user.__dict__.get("_wrapped", empty)
            if user is empty:
                return None
        if user is not None and getattr(user, "is_authenticated", False):
            return user.pk
        return None


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("guanjia_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


def current_id() -> str:
    """The current request's (or job's) id; empty outside any."""
    info = _current.get()
    return info.request_id if info else ""


def new_id() -> str:
    """32 random hex digits (what ``uuid4().hex`` gave, without building a UUID per request)."""
    return os.urandom(16).hex()


@contextlib.contextmanager
def bound(request_id: str, *, path: str = "", request: Any = None) -> Iterator[RequestInfo]:
    """Log lines (and journal entries) written inside carry ``request_id``."""
    info = RequestInfo(request_id=request_id, path=path, request=request)
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)


def incoming_id(request) -> str:
    """The proxy's id when a trusted proxy sent a sane one, else a new id."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if given and _SANE.match(given):
        peer = _address(request.META.get("REMOTE_ADDR", ""))
        networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
        if peer is not None and networks and _trusted(peer, networks):
            return given
    return new_id()


class RequestIdMiddleware:
    """Binds the request id for the whole request (outermost, so every line carries it) and
    answers it in ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_id(request)
        request.request_id = request_id
        request.META[ENVIRON_KEY] = request_id
        # ``bound`` without the generator a context manager costs every request.
        token = _current.set(RequestInfo(request_id=request_id, path=request.path, request=request))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response
