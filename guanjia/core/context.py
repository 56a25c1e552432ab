"""Who is changing things right now, and through what.

Every journal entry records the actor and the channel (web, API, import, job, command, admin).
Web and API requests set this in middleware/auth; imports, jobs and management commands set it
with ``change_context(...)``. It is a contextvar, so it is per request/thread and never shared
between app servers or requests.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import requestid


class Source(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", "API"
    ADMIN = "admin", _("管理后台")
    IMPORT = "import", _("导入")
    JOB = "job", _("后台任务")
    COMMAND = "command", _("命令")


@dataclass
class ChangeContext:
    source: str = Source.COMMAND
    actor: Any = None
    request: Any = None
    # The request's (or job's) id from ``core.requestid`` when there is one, so journal entries and
    # log lines of one request carry the same id.
    request_id: str = field(default_factory=lambda: requestid.current_id() or uuid.uuid4().hex)

    def get_actor(self):
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None) if self.request is not None else None
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar(
    "guanjia_change", default=None
)


def current() -> ChangeContext:
    return _current.get() or ChangeContext()


def enter(ctx: ChangeContext) -> contextvars.Token:
    """Makes ``ctx`` current until ``leave(token)``: ``change_context`` for a middleware, without
    the generator a ``with`` block costs every request."""
    return _current.set(ctx)


def leave(token: contextvars.Token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def change_context(*, source: str, actor: Any = None, request: Any = None) -> Iterator[ChangeContext]:
    ctx = ChangeContext(source=source, actor=actor, request=request)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextlib.contextmanager
def acting_as(actor: Any) -> Iterator[ChangeContext]:
    """Within a service call, the service's ``actor`` is who the journal names, whatever the channel."""
    outer = current()
    if actor is None or outer.actor is actor:
        yield outer
        return
    ctx = ChangeContext(source=outer.source, actor=actor, request=outer.request, request_id=outer.request_id)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
