"""Figures and exports from the read replica, agreeing with the primary; the replica stopped or cut
off from the primary (lag 0 by replay, data old), reads go to the primary."""

from __future__ import annotations

import os
import re
import subprocess
import time

from django.db import connections

from .common import APP_A, APP_B, as_postgres, backend, wait


def replica_caught_up():
    primary, replica = connections["default"], connections["replica"]
    with primary.cursor() as c:
        c.execute("SELECT pg_current_wal_lsn()")
        target = c.fetchone()[0]
    for _ in range(100):
        with replica.cursor() as c:
            c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if c.fetchone()[0]:
                return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up")


def replica_reads():
    with connections["replica"].cursor() as c:
        c.execute("SELECT sum(tup_returned + tup_fetched) FROM pg_stat_database WHERE datname = 'guanjia'")
        return int(c.fetchone()[0] or 0)


def figures_from_the_replica(token):
    """Figures and exports read from the replica, and agree with the primary's; the replica
    stopped, they are read from the primary, on both app servers."""
    auth = {"Authorization": f"Bearer {token}"}
    replica_caught_up()
    time.sleep(1)
    before = replica_reads()
    answers = {}
    for base in (APP_A, APP_B):
        with backend(base) as c:
            figures = c.get("/api/v1/figures?group_by=category&period=month", headers=auth)
            export = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
        assert figures.status_code == 200 and export.status_code == 200, (figures.text, export.text)
        assert figures.headers["X-Guanjia-Read-From"] == "replica", dict(figures.headers)
        assert export.headers["X-Guanjia-Read-From"] == "replica"
        answers[base] = (figures.json(), export.content)
    assert answers[APP_A] == answers[APP_B]
    for _ in range(30):  # the standby's statistics are flushed within a second or so
        if replica_reads() > before:
            break
        time.sleep(0.2)
    assert replica_reads() > before, "no rows were read on the replica"
    # The primary's own answer: the same export computed here, on the primary.
    from django.contrib.auth import get_user_model

    from guanjia.dataio import exporting

    desk = get_user_model().objects.get(username="desk")
    body, _type, _name = exporting.export_file(actor=desk, resource="tickets", fmt="csv", params={})
    assert bytes(body) == answers[APP_A][1], "the replica's export differs from the primary's"

    subprocess.run(as_postgres(os.environ["CI_STOP_REPLICA"]), shell=True, check=True)  # noqa: S602
    started = time.monotonic()
    for base in (APP_A, APP_B, APP_A, APP_B):
        with backend(base) as c:
            figures = c.get("/api/v1/figures?group_by=category&period=month", headers=auth)
            export = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
        assert figures.status_code == 200 and export.status_code == 200, (
            figures.status_code,
            figures.text[:300],
        )
        assert figures.headers["X-Guanjia-Read-From"] == "primary"
        assert (figures.json(), export.content) == answers[APP_A]
    print(
        f"   replica stopped: answered from the primary ({(time.monotonic() - started) * 1000:.0f} ms for 8 requests)"
    )
    subprocess.run(as_postgres(os.environ["CI_START_REPLICA"]), shell=True, check=True)  # noqa: S602
    time.sleep(int(os.environ.get("REPLICA_CHECK_SECONDS", "5")) + 1)
    with backend(APP_A) as c:
        again = c.get("/api/v1/figures?group_by=category&period=month", headers=auth)
    assert again.headers["X-Guanjia-Read-From"] == "replica", "the replica was not used again"


def _replica_sql(sql: str):
    with connections["replica"].cursor() as c:
        c.execute(sql)
        return c.fetchone() if c.description else None


def _set_primary_conninfo(conninfo: str) -> None:
    """On the standby (postgresql.auto.conf, as pg_basebackup -R wrote it); a reload restarts its
    WAL receiver with the new value."""
    _replica_sql("ALTER SYSTEM SET primary_conninfo = '" + conninfo.replace("'", "''") + "'")
    _replica_sql("SELECT pg_reload_conf()")


def _streaming() -> bool:
    return _replica_sql("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")[0] == 1


def replica_cut_off_from_the_primary(unit, leak, token):
    """A standby that answers but receives nothing — its WAL receiver cannot reach the primary
    (primary_conninfo pointed at a closed port) — has replayed all it received: by replay position
    alone its lag is 0, while its data grows old. Reads go to the primary and see a request made
    meanwhile; connected again, the replica streams, catches up and is read again."""
    auth = {"Authorization": f"Bearer {token}"}
    check_seconds = int(os.environ.get("REPLICA_CHECK_SECONDS", "5"))
    connections["replica"].close()  # this script's connection died with the replica's restart
    conninfo = _replica_sql("SHOW primary_conninfo")[0]
    assert re.search(r"\bport=\d+", conninfo), conninfo
    _set_primary_conninfo(re.sub(r"\bport=\d+", "port=1", conninfo))
    try:
        wait(lambda: not _streaming(), 15, "the replica's WAL receiver stopping")
        with backend(APP_A) as c:
            made = c.post(
                "/api/v1/tickets",
                json={"unit_id": unit.pk, "category_id": leak.pk, "description": "断开期间报修（CI）"},
                headers=auth,
            )
        assert made.status_code == 201, made.text
        ticket_id = made.json()["id"]
        time.sleep(check_seconds + 1)  # every worker's last look at the replica is older than this
        # The replica still answers, without the request; replayed all it received ("lag 0").
        assert _replica_sql(f"SELECT count(*) FROM tickets_ticket WHERE id = {int(ticket_id)}")[0] == 0  # noqa: S608
        caught = _replica_sql("SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()")[0]
        for base in (APP_A, APP_B, APP_A, APP_B):
            with backend(base) as c:
                export = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
            assert export.status_code == 200, export.text[:300]
            assert export.headers["X-Guanjia-Read-From"] == "primary", (base, dict(export.headers))
            assert "断开期间报修（CI）" in export.content.decode("utf-8-sig"), "a stale export"
        print(f"   replica cut off (received = replayed: {caught}): exports read from the primary, current")
    finally:
        _set_primary_conninfo(conninfo)
    wait(_streaming, 30, "the replica streaming again")
    replica_caught_up()
    time.sleep(check_seconds + 1)
    with backend(APP_B) as c:
        again = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
    assert again.headers["X-Guanjia-Read-From"] == "replica", "the replica was not used again"
    assert "断开期间报修（CI）" in again.content.decode("utf-8-sig")
