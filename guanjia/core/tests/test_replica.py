"""The read-replica router (core.replica): which reads go where, the lag bound, the fall-back.

The test database has no replica; the router's decisions are tested with the replica's health
stubbed. The real thing — a PostgreSQL streaming replica, reads counted on it, then stopped — is
the production CI job (.ci/production)."""

import pytest
from django.apps import apps
from django.db import OperationalError, transaction
from django.http import HttpResponse

from guanjia.core import replica

router = replica.ReplicaRouter()


class Replica:
    """A stand-in for the replica's health: its lag, or down; counts the checks."""

    def __init__(self, monkeypatch, settings):
        self.lag: float | None = 0.0
        self.down = False
        self.disconnected = ""  # answers, but its WAL receiver is gone: why
        self.stale = False  # the kept connection died (the replica restarted); a new one works
        self.checks = 0
        self.now = 1000.0
        settings.REPLICA_MAX_LAG_SECONDS = 30
        settings.REPLICA_CHECK_SECONDS = 5
        monkeypatch.setattr(replica, "configured", lambda: True)
        monkeypatch.setattr(replica, "measure_lag", self._measure)
        monkeypatch.setattr(replica, "_close_replica", lambda: None)
        monkeypatch.setattr(replica.time, "monotonic", lambda: self.now)
        replica.forget_health()

    def _measure(self):
        self.checks += 1
        if self.stale:
            self.stale = False
            raise OperationalError("server closed the connection unexpectedly")
        if self.down:
            raise OperationalError("connection refused")
        if self.disconnected:
            raise replica.Disconnected(self.disconnected)
        return self.lag


@pytest.fixture
def standby(monkeypatch, settings):
    yield Replica(monkeypatch, settings)
    replica.forget_health()


def test_only_reads_that_ask_go_to_the_replica(standby):
    assert router.db_for_read(None) == "default"  # every other read: read-your-writes
    with replica.using_replica():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
        with replica.using_primary():
            assert router.db_for_read(None) == "default"
    assert router.db_for_read(None) == "default"
    assert router.allow_migrate("replica", "tickets") is False
    assert router.allow_migrate("default", "tickets") is True


def test_who_is_asking_is_always_read_from_the_primary(standby):
    # A token issued a moment ago may not be on the replica yet: the board must not answer 401.
    with replica.using_replica():
        assert router.db_for_read(apps.get_model("tickets", "Ticket")) == "replica"
        for label in ("accounts.ApiToken", "accounts.User", "sessions.Session"):
            assert router.db_for_read(apps.get_model(label)) == "default", label


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_stay_on_the_primary(standby):
    with replica.using_replica():
        with transaction.atomic():
            assert router.db_for_read(None) == "default"
        assert router.db_for_read(None) == "replica"


def test_a_lagging_replica_is_left_until_it_catches_up(standby):
    with replica.using_replica():
        standby.lag = 29.0
        assert router.db_for_read(None) == "replica"
        standby.now += 6
        standby.lag = 31.0
        assert router.db_for_read(None) == "default"
        standby.lag = 0.5
        standby.now += 2  # within the check interval: the last answer stands
        assert router.db_for_read(None) == "default"
        standby.now += 5
        assert router.db_for_read(None) == "replica"


def test_a_replica_that_is_down_sends_reads_to_the_primary_and_is_asked_again_later(standby):
    with replica.using_replica():
        standby.down = True
        assert router.db_for_read(None) == "default"
        assert router.db_for_read(None) == "default"
        assert standby.checks == 2  # once per interval (kept connection, then a new one), not per query
        standby.down = False
        standby.now += 5
        assert router.db_for_read(None) == "replica"
        assert standby.checks == 3


def test_a_replica_back_after_a_restart_is_used_though_the_kept_connection_died(standby):
    with replica.using_replica():
        standby.stale = True
        assert router.db_for_read(None) == "replica"
        assert standby.checks == 2


def test_a_replica_cut_off_from_the_primary_is_left_though_it_reports_no_lag(standby):
    """Its last received WAL is replayed (lag 0), but nothing arrives: its data only grows older."""
    with replica.using_replica():
        standby.disconnected = "no WAL receiver (not connected to the primary)"
        assert router.db_for_read(None) == "default"
        assert "disconnected" in replica._health.reason
        standby.disconnected = ""
        standby.now += 5
        assert router.db_for_read(None) == "replica"


# The row of LAG_SQL: in recovery, replay lag, a receiver runs, its status, seconds since the
# primary's last message, wal_receiver_timeout in seconds.
STREAMING = (True, 0.0, True, "streaming", 3.0, 60.0)


@pytest.mark.parametrize(
    ("row", "reading"),
    [
        (STREAMING, 0.0),
        ((True, 12.5, True, "streaming", 1.0, 60.0), 12.5),
        # An unprivileged role sees only that a receiver runs (no status, no times): trusted.
        ((True, 0.0, True, None, None, None), 0.0),
        # wal_receiver_timeout 0 (never time out): silence alone is no sign.
        ((True, 0.0, True, "streaming", 900.0, 0.0), 0.0),
        ((False, 0.0, False, None, None, 60.0), None),
        ((True, 0.0, False, None, None, 60.0), "no WAL receiver"),
        ((True, 0.0, True, "starting", 0.5, 60.0), "WAL receiver starting"),
        ((True, 0.0, True, "waiting", 20.0, 60.0), "WAL receiver waiting"),
        ((True, 0.0, True, "streaming", 61.0, 60.0), "nothing from the primary for 61 s"),
    ],
)
def test_the_standby_s_own_view_of_its_connection_decides(row, reading):
    if isinstance(reading, str):
        with pytest.raises(replica.Disconnected, match=reading):
            replica.lag_from_row(*row)
    else:
        assert replica.lag_from_row(*row) == reading


def test_a_server_that_is_not_a_standby_is_not_used(standby):
    standby.lag = None  # pg_is_in_recovery() is false: someone pointed the replica URL at a primary
    with replica.using_replica():
        assert router.db_for_read(None) == "default"


def test_a_view_whose_replica_fails_midway_is_answered_from_the_primary(standby, monkeypatch, rf):
    monkeypatch.setattr(replica, "_replica_broken", lambda: True)
    calls = []

    @replica.replica_reads
    def view(request):
        calls.append(router.db_for_read(None))
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("figures")

    response = view(rf.get("/boards/figures/"))
    assert response.content == b"figures"
    assert calls == ["replica", "default"]
    assert response[replica.READ_FROM_HEADER] == "primary"
    # Marked down: the next view reads the primary without trying the replica.
    assert view(rf.get("/boards/figures/"))[replica.READ_FROM_HEADER] == "primary"
    standby.now += 5
    calls.clear()
    view(rf.get("/"))
    assert calls == ["replica", "default"]


def test_a_view_says_where_it_read_from(standby, rf):
    view = replica.replica_reads(lambda request: HttpResponse("ok"))
    assert view(rf.get("/"))[replica.READ_FROM_HEADER] == "replica"
    standby.lag = 120.0
    standby.now += 5
    assert view(rf.get("/"))[replica.READ_FROM_HEADER] == "primary"


def test_without_a_replica_nothing_changes(rf):
    assert not replica.configured()
    with replica.using_replica():
        assert router.db_for_read(None) == "default"
    view = replica.replica_reads(lambda request: HttpResponse("ok"))
    assert replica.READ_FROM_HEADER not in view(rf.get("/"))
