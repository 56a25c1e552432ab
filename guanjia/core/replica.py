"""Reads of figures and exports from a streaming replica, when one is configured and fresh enough.

Only code that asks for it reads from the replica: a view decorated with ``replica_reads`` (or a
block inside ``using_replica()``). Everything else — and everything inside a transaction on the
primary — reads the primary, so a user always sees what they have just written. Writes and
migrations always go to the primary.

Before a read is sent there, the replica must answer, be connected to the primary (streaming) and
its replay lag must be under ``REPLICA_MAX_LAG_SECONDS``; the answer is kept for
``REPLICA_CHECK_SECONDS`` per process. A replica that is down, cut off from the primary, lagging,
or fails in the middle of a view sends the view back to the primary (the view is run again there:
decorated views only read, so running them twice is safe).

``DATABASES["replica"]`` comes from ``DATABASE_REPLICA_URL`` (settings); without it nothing changes.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"
# Response header naming where a decorated view read from (operators, the production CI job).
READ_FROM_HEADER = "X-Guanjia-Read-From"

log = logging.getLogger(__name__)

_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("guanjia_replica_wanted", default=False)


@dataclass
class _Health:
    checked_at: float = float("-inf")
    usable: bool = False
    lag: float | None = None
    reason: str = ""


_health = _Health()
_health_lock = threading.Lock()

# On PostgreSQL: 0 when everything received has been replayed (an idle primary sends nothing, so
# "now - last replayed commit" alone would grow for ever), else the age of the last replayed commit.
# NULL on a server that is not in recovery: then it is no replica at all and is not used.
#
# "Everything received has been replayed" says nothing when nothing arrives any more: a standby cut
# off from its primary (the primary's walsender gone, a wrong primary_conninfo, a partition) still
# answers reads, at lag 0, with data that grows older every second. So the standby's WAL receiver is
# asked too (pg_stat_wal_receiver): no receiver process, or one not streaming, or one that has heard
# nothing from the primary for longer than wal_receiver_timeout (it would have asked for a reply at
# half of it) means disconnected. The view shows status and times only to superusers and members of
# pg_read_all_stats (docs/deploy.md grants it); to others just whether a receiver runs.
LAG_SQL = """
SELECT
    pg_is_in_recovery(),
    CASE
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
    END,
    r.pid IS NOT NULL,
    r.status,
    EXTRACT(EPOCH FROM now() - r.last_msg_receipt_time),
    EXTRACT(EPOCH FROM current_setting('wal_receiver_timeout')::interval)
FROM (SELECT 1) AS one
LEFT JOIN pg_stat_wal_receiver AS r ON r.pid IS NOT NULL
"""


class Disconnected(Exception):
    """The replica answers but receives nothing from the primary: its data is growing old."""


def lag_from_row(in_recovery, lag, receiver, status, silent_for, receiver_timeout) -> float | None:
    """``measure_lag``'s reading of ``LAG_SQL``'s row; raises ``Disconnected``."""
    if not in_recovery:
        return None
    if not receiver:
        raise Disconnected("no WAL receiver (not connected to the primary)")
    if status is not None and status != "streaming":
        raise Disconnected(f"WAL receiver {status}")
    if silent_for is not None and receiver_timeout and float(silent_for) > float(receiver_timeout):
        raise Disconnected(f"nothing from the primary for {float(silent_for):.0f} s")
    return float(lag)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def measure_lag() -> float | None:
    """The replica's replay lag in seconds (0 on a non-PostgreSQL mirror, as in tests); None when it
    is not a standby. Raises ``DatabaseError`` when it does not answer, ``Disconnected`` when it
    answers but is cut off from the primary."""
    conn = connections[REPLICA]
    if conn.vendor != "postgresql":
        return 0.0
    with conn.cursor() as cursor:
        cursor.execute(LAG_SQL)
        row = cursor.fetchone()
    return lag_from_row(*row)


def _measure_lag_fresh() -> float | None:
    """``measure_lag``, once more on a new connection if the kept one fails: a thread's persistent
    connection from before the replica restarted is dead even when the replica is back."""
    try:
        return measure_lag()
    except DatabaseError:
        _close_replica()
        return measure_lag()


def replica_usable(*, now: float | None = None) -> bool:
    """Whether reads may go to the replica now (cached per process for ``REPLICA_CHECK_SECONDS``)."""
    if not configured():
        return False
    now = time.monotonic() if now is None else now
    if now - _health.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _health.usable
    with _health_lock:
        if now - _health.checked_at < settings.REPLICA_CHECK_SECONDS:
            return _health.usable
        try:
            lag = _measure_lag_fresh()
        except DatabaseError as exc:
            _close_replica()
            _set_health(now, usable=False, lag=None, reason=f"down: {exc.__class__.__name__}")
        except Disconnected as exc:
            # As a lag over the bound: how old its data is cannot be known, only that it grows.
            _set_health(now, usable=False, lag=None, reason=f"disconnected from the primary: {exc}")
        else:
            if lag is None:
                _set_health(now, usable=False, lag=None, reason="not a standby")
            elif lag > settings.REPLICA_MAX_LAG_SECONDS:
                _set_health(now, usable=False, lag=lag, reason=f"lag {lag:.1f} s")
            else:
                _set_health(now, usable=True, lag=lag, reason="")
    return _health.usable


def _set_health(now: float, *, usable: bool, lag: float | None, reason: str) -> None:
    if usable != _health.usable or reason != _health.reason:
        if usable:
            log.info("read replica in use (lag %.1f s)", lag or 0.0)
        else:
            log.warning("read replica not used: %s; reading the primary", reason)
    _health.checked_at, _health.usable, _health.lag, _health.reason = now, usable, lag, reason


def mark_down(reason: str) -> None:
    """The replica failed in the middle of work: use the primary until the next check."""
    _close_replica()
    _set_health(time.monotonic(), usable=False, lag=None, reason=reason)


def forget_health() -> None:
    """Check the replica again at the next read (tests, and after an operator's change)."""
    _health.checked_at = float("-inf")


def _close_replica() -> None:
    # A broken connection may fail to close; it is dropped either way.
    with contextlib.suppress(Exception):
        connections[REPLICA].close()


@contextmanager
def using_replica():
    """Within this block, reads outside a transaction go to the replica when it is usable."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


@contextmanager
def using_primary():
    token = _wanted.set(False)
    try:
        yield
    finally:
        _wanted.reset(token)


def reading_replica() -> bool:
    """Whether a read here and now would go to the replica."""
    return _wanted.get() and not connections[PRIMARY].in_atomic_block and configured() and replica_usable()


def replica_reads(view):
    """A read-only view whose queries go to the replica when it is usable; if the replica fails
    during the view, the view runs again on the primary. The response names where it read from."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not configured():
            return view(request, *args, **kwargs)
        with using_replica():
            source = REPLICA if reading_replica() else PRIMARY
            try:
                response = view(request, *args, **kwargs)
            except DatabaseError as exc:
                if source != REPLICA:
                    raise
                # Down, or a query cancelled by replay (a conflict with recovery): read the primary.
                if _replica_broken():
                    mark_down(f"failed during a read: {exc.__class__.__name__}")
                log.warning("a read on the replica failed (%s); reading the primary", exc.__class__.__name__)
                source = PRIMARY
                with using_primary():
                    response = view(request, *args, **kwargs)
        if hasattr(response, "headers"):
            response.headers[READ_FROM_HEADER] = "replica" if source == REPLICA else "primary"
        return response

    return wrapper


def _replica_broken() -> bool:
    """After a database error on a replica read: is the replica the one that failed?"""
    conn = connections[REPLICA]
    if conn.connection is None:
        return True
    try:
        conn.close_if_unusable_or_obsolete()
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return True
    return False


# Who is asking is always read from the primary, even inside a replica view: a token or session
# made a moment ago (sign in, then open the board) may not have reached the replica yet, and the
# caller would be refused as a stranger (a 401 seen in the production load test).
IDENTITY_APPS = frozenset({"accounts", "sessions", "auth", "axes"})


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads asked for (``using_replica``) to a usable replica, except the
    caller's identity (``IDENTITY_APPS``); all else to the primary."""

    def db_for_read(self, model, **hints):
        if model is not None and model._meta.app_label in IDENTITY_APPS:
            return PRIMARY
        return REPLICA if reading_replica() else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: a row read from either may refer to the other's.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
