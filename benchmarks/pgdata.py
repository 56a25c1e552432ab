"""The HTTP benchmark's database (``loadbench``): a throw-away PostgreSQL cluster, and requests
bulk-inserted into it with their stage deadlines (SQL ``generate_series``), so the history can grow to
millions in minutes while the open backlog stays the same size.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

PORT_PG = 54349
OPEN_BACKLOG = 5_000  # open requests at any size: about 25 per project, received in the last 3 days


def sh(*args, env=None, check=True, quiet=True):
    result = subprocess.run(args, env=env, check=False, capture_output=quiet, text=True)
    if check and result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}")
    return result


def as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def start_postgres(tmp: Path) -> tuple[str, Path]:
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    data = tmp / "pg"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        shutil.chown(tmp, "postgres", "postgres")
    sh(
        *as_postgres(
            [
                str(pgbin / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
    )
    options = (
        f"-p {PORT_PG} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c shared_buffers=512MB -c work_mem=32MB -c max_connections=50"
    )
    sh(
        *as_postgres(
            [str(pgbin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"]
        )
    )
    sh(
        *as_postgres(
            [str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(PORT_PG), "-U", "postgres", "guanjia"]
        )
    )
    return f"postgres://postgres@127.0.0.1:{PORT_PG}/guanjia", pgbin


def stop_postgres(tmp: Path, pgbin: Path) -> None:
    sh(*as_postgres([str(pgbin / "pg_ctl"), "-D", str(tmp / "pg"), "-m", "immediate", "stop"]), check=False)


# Bulk data ----------------------------------------------------------------------------------------


def _literal(value) -> str:
    """A model field's default as an SQL literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return "'" + json.dumps(value) + "'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def _ticket_insert_sql(start: int, stop: int, end: int) -> str:
    """One INSERT … SELECT generate_series that fills every NOT NULL column of the ticket table."""
    from guanjia.tickets.models import Ticket

    explicit = {
        "company_id": "u.company_id",
        "project_id": "u.project_id",
        "unit_id": "u.id",
        "number": "'B' || lpad(g::text, 9, '0')",
        "kind": "(ARRAY['home_repair','home_repair','home_repair','common_repair','complaint','inquiry'])[1 + g % 6]",
        "channel": "(ARRAY['front_desk','phone','portal','hq_center'])[1 + g % 4]",
        "priority": "CASE WHEN g % 20 = 0 THEN 'urgent' ELSE 'normal' END",
        # History grows, the backlog does not: the newest OPEN_BACKLOG requests are open.
        "status": (
            f"CASE WHEN g > {end} - {OPEN_BACKLOG} THEN (ARRAY['received','dispatched','accepted','on_site',"
            "'completed','followed_up','on_hold','rework'])[1 + g % 8] WHEN g % 97 = 0 THEN 'cancelled' ELSE 'closed' END"
        ),
        "description": "'压测数据：厨房水管漏水 #' || g",
        "first_contact_id": "(SELECT min(id) FROM staff_staffmember)",
        "received_at": (
            f"CASE WHEN g > {end} - {OPEN_BACKLOG} THEN now() - (g % 4320) * interval '1 minute' "
            "ELSE now() - interval '3 days' - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute' END"
        ),
        "created_at": "now()",
        "updated_at": "now()",
    }
    columns, values = [], []
    for field in Ticket._meta.concrete_fields:
        if field.primary_key:
            continue
        name = field.column
        if name in explicit:
            columns.append(name)
            values.append(explicit[name])
        elif field.null:
            continue
        elif field.has_default():
            columns.append(name)
            values.append(_literal(field.get_default()))
        elif field.get_internal_type() in {"CharField", "TextField"}:
            columns.append(name)
            values.append("''")
        else:
            raise SystemExit(f"loadbench: no value for NOT NULL column tickets_ticket.{name}")
    return (
        f"INSERT INTO tickets_ticket ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series({start}, {stop}) g "
        "JOIN (SELECT id, company_id, project_id, row_number() OVER (ORDER BY id) - 1 AS rn FROM estates_unit) u "
        f"ON u.rn = g % (SELECT count(*) FROM estates_unit)"
    )


# A stage of a finished request was done at 80 % of its time, and never later than now: a request
# of the open backlog completed in the last hours had its 24-hour stage done "tomorrow", and every
# figures call read those ~300 clocks as done since the job's last run (6 December).
DEADLINE_SQL = """
INSERT INTO sla_ticketdeadline (company_id, project_id, ticket_id, stage, round, started_at, allowed_minutes,
    due_at, done_at, paused_seconds, thresholds, escalation_step, stopped, created_at, updated_at)
SELECT t.company_id, t.project_id, t.id, s.stage, 0, t.received_at, s.minutes,
    t.received_at + s.minutes * interval '1 minute',
    CASE WHEN t.status IN ('closed', 'cancelled', 'completed', 'followed_up')
         THEN least(t.received_at + (s.minutes * 0.8) * interval '1 minute', now()) END,
    0, '[80, 100, 150, 200]'::jsonb, 0, FALSE, now(), now()
FROM tickets_ticket t CROSS JOIN (VALUES ('response', 30), ('complete', 1440)) AS s(stage, minutes)
WHERE t.id > %s
"""


def grow(env: dict, target: int) -> None:
    """Insert requests (and their deadlines) until there are ``target`` of them."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0), count(*) FROM tickets_ticket")
        last_id, count = cursor.fetchone()
        started = time.perf_counter()
        # Yesterday's backlog was worked off: it becomes history before the new requests arrive —
        # the requests created through the API at the smaller size too, which used to stay open
        # into the larger one (5,000 more open requests: the HQ's overdue list walks them all).
        cursor.execute(
            "UPDATE tickets_ticket SET status = 'closed', closed_at = now() "
            "WHERE status NOT IN ('closed', 'cancelled')"
        )
        cursor.execute("UPDATE sla_ticketdeadline SET done_at = started_at WHERE done_at IS NULL")
        batch = 500_000
        for start in range(count + 1, target + 1, batch):
            end = min(start + batch - 1, target)
            cursor.execute(_ticket_insert_sql(start, end, target))
        cursor.execute(DEADLINE_SQL, [last_id])
        # What autovacuum does soon after a bulk load, done before measuring: otherwise it vacuums
        # the millions of rows just inserted and updated *during* the measurement, on the same two
        # cores (the bare ping and the ceilings slowed with the endpoints at the larger size), and
        # index-only scans read the heap until it has set the visibility map.
        cursor.execute("VACUUM (ANALYZE)")
        print(f"  requests: {count:,} → {target:,} in {time.perf_counter() - started:.0f} s")
