"""Migrations timed at company scale on PostgreSQL (the upgrade path of docs/operations.md).

    .venv/bin/python -m benchmarks.migrations_at_scale [--projects 200] [--requests 200000]

In a temporary directory, on a throw-away PostgreSQL cluster (``benchmarks.pgdata``):
1. ``migrate`` from zero on the empty database, timed, with the slowest migrations;
2. ``seed_scale --projects N --units-per-project 1000`` and ``--requests`` service requests with
   their deadlines (bulk SQL, as ``loadbench`` does);
3. the newest migrations (``--back app:target`` …, by default the ones added in the last days of
   development) rolled back on that data and applied again with ``migrate -v 2``, which times each
   one: what an upgrade to a release holding them costs at that scale.

Never part of CI (it takes minutes). Results: docs/operations.md ("Backups and upgrades").
"""

from __future__ import annotations

import argparse
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import pgdata

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
# app:target to roll back to before applying again (the migrations after target are the "newest").
NEWEST = [
    "tickets:0009_ticket_event_remind",
    "sla:0005_open_ticket_due_index",
    "estates:0003_building_unit_natural_sort_key",
    "notifications:0003_notification_message_in_reader_language",
    "dataio:0001_initial",
    "core:0001_initial",
]
APPLIED = re.compile(r"Applying (\S+)\.\.\. OK \(([\d.]+)s\)")


def manage(env: dict, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [PY, str(ROOT / "manage.py"), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(
            f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return time.perf_counter() - started, result.stdout


def report(title: str, seconds: float, output: str, top: int) -> None:
    steps = sorted(((float(s), name) for name, s in APPLIED.findall(output)), reverse=True)
    print(f"{title}: {seconds:.1f} s wall, {len(steps)} migrations, {sum(s for s, _ in steps):.1f} s in them")
    for s, name in steps[:top]:
        print(f"   {s:7.3f} s  {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--units-per-project", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--back", nargs="*", default=NEWEST, help="app:target to roll back to")
    parser.add_argument("--port", type=int, default=54359)
    args = parser.parse_args()
    pgdata.PORT_PG = args.port
    tmp = Path(tempfile.mkdtemp(prefix="guanjia-migrations-"))
    (tmp / "var").mkdir()
    database_url, pgbin = pgdata.start_postgres(tmp)
    try:
        from benchmarks.loadbench import app_env

        env = app_env(database_url, tmp)
        env.update(DJANGO_SETTINGS_MODULE="guanjia.settings", SECRET_KEY=secrets.token_urlsafe(50))
        seconds, output = manage(env, "migrate", "--noinput", "-v", "2")
        report("migrate from zero (empty database)", seconds, output, 5)
        manage(env, "createcachetable")  # without REDIS_URL the cache is a database table

        started = time.perf_counter()
        manage(
            env,
            "seed_scale",
            "--projects",
            str(args.projects),
            "--units-per-project",
            str(args.units_per_project),
            "--code",
            "MG",
        )
        pgdata.grow(env, args.requests)
        from django.db import connections

        connections.close_all()  # grow() ran here; nothing may hold a lock on the tables below
        print(
            f"seed_scale {args.projects} × {args.units_per_project} and {args.requests:,} requests: "
            f"{time.perf_counter() - started:.0f} s"
        )

        started = time.perf_counter()
        for back in args.back:
            app, target = back.split(":")
            manage(env, "migrate", app, target, "--noinput", "-v", "0")
        print(f"rolled back to {', '.join(args.back)}: {time.perf_counter() - started:.1f} s")
        seconds, output = manage(env, "migrate", "--noinput", "-v", "2")
        report("the newest migrations applied at that scale", seconds, output, 30)
    finally:
        pgdata.stop_postgres(tmp, pgbin)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
