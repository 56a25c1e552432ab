"""HTTP benchmark at company scale on PostgreSQL (part of ``make bench``; never part of ``make test``).

    .venv/bin/python -m benchmarks.loadbench [--small 200000] [--large 2000000] [--duration 10]

What it does, all on this machine and in a temporary directory:
1. starts a throw-away PostgreSQL cluster, migrates, seeds 200 projects × 1,000 units
   (``seed_scale``) and bulk-inserts ``--small`` requests with their stage deadlines (SQL
   ``generate_series``; 90 % closed over two years, 10 % open in the last three days);
2. serves the app with gunicorn (2 workers, production settings) and drives it with ``wrk``
   (2 threads, 8 connections) for each endpoint: create a request, a project's open requests,
   the ``overdue`` filter, a request's detail, the HQ board, the monthly figures, and three ceilings
   (a JSON view with no database; one indexed SQL query for a page of 25 requests; the list's own
   statement from a bare cursor); then replays the statements of one API create from bare
   connections, for the creates per second PostgreSQL alone can take on this machine;
3. grows the data to ``--large`` requests and measures again; prints throughput, p50/p99, errors,
   each endpoint's ratio to the one-query ceiling and the growth ratio, and EXPLAINs the queries
   behind the list, the overdue filter and the board.

The database and its bulk data: ``benchmarks.pgdata``; the create's floor: ``benchmarks.createfloor``; the plans: ``benchmarks.plans``. Needs Debian's ``postgresql`` and ``wrk``
packages. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import peer as peers
from benchmarks.cpu import postmaster_pid, tree_seconds
from benchmarks.createfloor import create_floor
from benchmarks.memory import bare_worker, bare_workers_memory, report_lines, wait_for, workers_memory
from benchmarks.pgdata import grow, sh, start_postgres, stop_postgres
from benchmarks.plans import explain

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT_HTTP = 8799
PORT_BARE = 8798  # the peer harness's bare worker, measured in turns with the ping
PASSWORD = "bench-password-1"


def app_env(database_url: str, tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"GUANJIA_TESTING", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="benchmarks.settings",  # the site plus the ceiling views
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        GUANJIA_VAR_DIR=str(tmp / "var"),
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="600",
        # One token drives thousands of requests a second here: production's per-token budget would
        # answer most of them 429 and the figures would measure the refusal.
        API_RATE_LIMITS="0",
    )
    return env


# Load ---------------------------------------------------------------------------------------------

LUA = """
local token = "{token}"
local pmin, pmax = {pmin}, {pmax}
local umin, umax = {umin}, {umax}
local tmin, tmax = {tmin}, {tmax}
local cmin, cmax = {cmin}, {cmax}
local company = {company}
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
request = function()
  local kind = "{kind}"
  if kind == "create" then
    local body = '{{"unit_id": ' .. math.random(umin, umax) .. ', "category_id": ' .. math.random(cmin, cmax) ..
      ', "description": "压测报修", "kind": "home_repair"}}'
    return wrk.format("POST", "/api/v1/tickets", nil, body)
  elseif kind == "list" then
    return wrk.format("GET", "/api/v1/tickets?open=true&page_size=25&project_id=" .. math.random(pmin, pmax))
  elseif kind == "overdue" then
    return wrk.format("GET", "/api/v1/tickets?overdue=true&page_size=25&project_id=" .. math.random(pmin, pmax))
  elseif kind == "detail" then
    return wrk.format("GET", "/api/v1/tickets/" .. math.random(tmin, tmax))
  elseif kind == "one_query" then
    return wrk.format("GET", "/bench/one-query?project_id=" .. math.random(pmin, pmax))
  elseif kind == "list_rows" then
    return wrk.format("GET", "/bench/list-rows?company_id=" .. company .. "&project_id=" .. math.random(pmin, pmax))
  else
    return wrk.format("GET", "{path}")
  end
end
"""

ENDPOINTS = [
    ("ping", "Django JSON, no database (ceiling)", "/bench/ping"),
    ("one_query", "one indexed query, 25 rows (ceiling)", ""),
    ("list_rows", "the list's own statement from a bare cursor (ceiling)", ""),
    ("create", "create a request (API)", ""),
    ("list", "a project's open requests, first page", ""),
    ("overdue", "overdue filter, first page", ""),
    ("overdue_all", "overdue filter, all projects (HQ)", "/api/v1/tickets?overdue=true&page_size=25"),
    ("detail", "a request's detail", ""),
    ("hq_board", "HQ board", "/api/v1/boards/hq"),
    ("figures", "monthly figures by project", "/api/v1/figures?group_by=project&period=month"),
]


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if match is None:
        return float("nan")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


# wrk counts a request slower than its timeout (2 s by default) as an error and leaves it out of the
# latencies: the figures under 16 connections take longer than that. The peer harness waits 60 s too.
TIMEOUT = ("--timeout", "60s")


def run_wrk(tmp: Path, kind: str, path: str, ids: dict, token: str, duration: int, settings: dict) -> dict:
    """``settings["runs"]`` wrk runs of ``duration`` seconds after a short unrecorded warm-up, as the
    peer harness measures; the medians of the runs (one run: that run)."""
    load = _Load(_script(tmp, kind, path, ids, token), f"http://127.0.0.1:{PORT_HTTP}", kind)
    if settings["runs"] > 1:
        load.warm(settings)
    return _medians([load.run(duration, settings) for _ in range(settings["runs"])])


def ping_beside_bare(tmp: Path, ids: dict, token: str, duration: int, settings: dict, bare_url: str) -> tuple:
    """Guanjia's no-database ping and the peer harness's bare Django worker (startproject's
    middleware, ``memory.bare_worker``) measured in turns, run by run — bare, Guanjia, then Guanjia,
    bare — so the minute-to-minute drift of a shared machine (±25 % here) falls on both alike.
    Returns (Guanjia's medians, the bare worker's medians)."""
    site = _Load(_script(tmp, "ping", "/bench/ping", ids, token), f"http://127.0.0.1:{PORT_HTTP}", "ping")
    bare = _Load(None, bare_url, "bare ping")
    if settings["runs"] > 1:
        bare.warm(settings)
        site.warm(settings)
    runs: dict[str, list] = {"site": [], "bare": []}
    for round_ in range(max(settings["runs"], 2)):
        pair = (("bare", bare), ("site", site)) if round_ % 2 == 0 else (("site", site), ("bare", bare))
        for name, load in pair:
            runs[name].append(load.run(duration, settings))
    return _medians(runs["site"]), _medians(runs["bare"])


class _Load:
    """wrk against one URL (with a Lua script, or a plain GET of the URL)."""

    def __init__(self, script: Path | None, url: str, kind: str):
        self.script, self.url, self.kind = script, url, kind

    def _wrk(self, duration: str, settings: dict, *extra: str):
        script = ["-s", str(self.script)] if self.script else []
        return sh(
            "wrk", "-t2", f"-c{settings['connections']}", f"-d{duration}", *TIMEOUT, *extra, *script, self.url
        )

    def warm(self, settings: dict) -> None:
        self._wrk("3s", settings)

    def run(self, duration: int, settings: dict) -> dict:
        return _wrk_once(self._wrk(f"{duration}s", settings, "--latency").stdout, self.kind)


def _script(tmp: Path, kind: str, path: str, ids: dict, token: str) -> Path:
    script = tmp / f"{kind}.lua"
    script.write_text(LUA.format(token=token, kind=kind, path=path, **ids), encoding="utf-8")
    return script


def _medians(runs: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
    }


def _wrk_once(out: str, kind: str) -> dict:
    if "Requests/sec" not in out:
        raise SystemExit(f"wrk failed for {kind}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


def token_for(username: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT_HTTP}/api/v1/auth/token",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def ids_for(env: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), min(company_id) FROM estates_project")
        pmin, pmax, company = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM estates_unit")
        umin, umax = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
        tmin, tmax = cursor.fetchone()
        # Leaf categories (seed_scale makes the defaults), so created requests get their deadlines.
        cursor.execute("SELECT min(id), max(id) FROM tickets_ticketcategory WHERE parent_id IS NOT NULL")
        cmin, cmax = cursor.fetchone()
    return {
        "pmin": pmin,
        "pmax": pmax,
        "umin": umin,
        "umax": umax,
        "tmin": tmin,
        "tmax": tmax,
        "cmin": cmin or 0,
        "cmax": cmax or 0,
        "company": company,
    }


def rollup_figures(manage: list[str], env: dict) -> None:
    """What the every-10-minutes job keeps done in production: the figures' daily sums of every
    finished day the measured figures read. Their default range begins on the first day of the
    month 90 days back, so it reaches up to 120 days back; the job has rolled each of those days
    while it was among its last 35, and bulk-inserted data has not been through the job. (A fixed
    95 days left the first day or days of that month to be summed live on every call, which made
    the figures 2.7× slower from the 6th of a month on.)"""
    from django.utils import timezone

    from guanjia.boards.figure_table import figure_params

    days = (timezone.localdate() - figure_params(period="month").start).days + 1
    started = time.perf_counter()
    sh(*manage, "rollup_figures", "--days", str(days), env=env)
    print(f"  figures roll-up of {days} days: {time.perf_counter() - started:.0f} s")


def figures_job_after_the_creates() -> None:
    """One run of the figures' periodic job (``boards.tasks.rollup_figures_task``, every 10 minutes
    in production) after the creates, as production would have run it by the time the figures are
    read: the figures' live part is what happened since the job's last run. Without it the bench's
    figures summed its thousands of creates live on every call, a company creating 3,000 requests
    in ten minutes; this HQ's 200 projects receive about 70 an hour. Only today and yesterday are
    re-summed: ``rollup_figures`` summed every older day the figures read before measuring."""
    from guanjia.boards.rollup import rollup_recent
    from guanjia.core.context import Source, change_context

    started = time.perf_counter()
    with change_context(source=Source.JOB):
        rollup_recent(days=1)
    print(f"  the figures' job after the creates: {time.perf_counter() - started:.1f} s")


def measure(
    tmp: Path,
    env: dict,
    label: str,
    duration: int,
    settings: dict,
    server: subprocess.Popen,
    processes: dict[str, int] | None = None,
    bare_url: str | None = None,
) -> dict:
    """Every endpoint of ``ENDPOINTS`` at this size; with ``bare_url`` (the peer harness's bare
    worker) the ping is measured in turns with it (``ping_beside_bare``: ``ping_bare``).

    The create goes first: its thousands of new requests (open, dispatched) are data every read
    after it sees, so each ceiling is measured on the same rows as the endpoints it bounds. (Before
    6 December the ceilings ran before the create and the list and detail after it: the list's bare
    statement read ~3,000 fewer open requests than the list it was the ceiling of.) After the
    creates the figures' periodic job runs once (``figures_job_after_the_creates``)."""
    ids = ids_for(env)
    token = token_for("bn-hq")
    results = {}
    for kind, _title, path in sorted(ENDPOINTS, key=lambda endpoint: endpoint[0] != "create"):
        if kind in {"hq_board", "figures"}:
            probe = urllib.request.Request(
                f"http://127.0.0.1:{PORT_HTTP}{path}", headers={"Authorization": f"Bearer {token}"}
            )
            try:
                urllib.request.urlopen(probe, timeout=120)
            except Exception as exc:
                print(f"  {kind}: skipped ({exc})")
                continue
        if kind == "ping" and bare_url:
            results[kind], results["ping_bare"] = ping_beside_bare(
                tmp, ids, token, duration, settings, bare_url
            )
            r = results["ping_bare"]
            print(
                f"  [{label}] bare ping  {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms  (in turns with the ping)"
            )
        elif kind == "create":
            results[kind] = create_with_dispatch(tmp, path, ids, token, duration, settings, processes or {})
            figures_job_after_the_creates()
        else:
            results[kind] = run_wrk(tmp, kind, path, ids, token, duration, settings)
        r = results[kind]
        print(
            f"  [{label}] {kind:10s} {r['rps']:8.1f} req/s  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  errors {r['errors']}"
        )
    results["workers_mb"] = workers_memory(server.pid)
    print(f"  [{label}] each worker's memory after these (MB): {results['workers_mb']}")
    results["create_floor"] = create_floor(
        env["DATABASE_URL"], duration, user_name="bn-hq", password=PASSWORD
    )
    print(f"  [{label}] a create's statements, bare connections: {results['create_floor']:.0f} per second")
    return results


def create_with_dispatch(
    tmp: Path, path: str, ids: dict, token: str, duration: int, settings: dict, processes: dict[str, int]
) -> dict:
    """The creates, then the wait for the worker to auto-dispatch every one of them (the bench's
    world has a rule per category): ``sustained`` is requests received *and* dispatched per second,
    from the first create to the last dispatch — the desk's answer alone is ``rps``. ``cpu_ms``: the
    CPU each of ``processes`` (name → the root of its process tree) spent per request received and
    dispatched, from before the first create to the last dispatch."""
    from django.db.models import Max

    from guanjia.dispatch.models import PendingDispatch
    from guanjia.tickets.models import Ticket

    before = Ticket.objects.aggregate(last=Max("id"))["last"] or 0
    cpu_before = {name: tree_seconds(pid) for name, pid in processes.items()}
    started = time.perf_counter()
    result = run_wrk(tmp, "create", path, ids, token, duration, settings)
    answered = time.perf_counter()
    while PendingDispatch.objects.exists() and time.perf_counter() - answered < 900:
        time.sleep(0.5)
    drained = time.perf_counter()
    cpu_after = {name: tree_seconds(pid) for name, pid in processes.items()}
    made = Ticket.objects.filter(id__gt=before)
    created, dispatched = made.count(), made.filter(dispatched_at__isnull=False).count()
    result.update(
        created=created,
        dispatched=dispatched,
        drain_s=round(drained - answered, 1),
        sustained=round(dispatched / (drained - started), 1),
        cpu_ms={
            name: round((cpu_after[name] - cpu_before[name]) * 1000 / max(created, 1), 2)
            for name in processes
        },
    )
    print(
        f"  create: {created} received, {dispatched} auto-dispatched by the worker, "
        f"the last {result['drain_s']} s after the last answer: {result['sustained']} received and dispatched per second"
    )
    if processes:
        spent = ", ".join(f"{name} {ms} ms" for name, ms in result["cpu_ms"].items())
        print(
            f"  CPU per request received and dispatched: {spent} (sum {sum(result['cpu_ms'].values()):.1f} ms)"
        )
    return result


def _growth(small: dict, large: dict) -> str:
    """p50 at the large size over p50 at the small one; by throughput when wrk had no latency to
    report (every request an error)."""
    if small["p50"] and large["p50"]:
        return f"{large['p50'] / small['p50']:.2f}"
    return f"{small['rps'] / large['rps']:.2f} (req/s)" if large["rps"] else "—"


def table(small: dict, large: dict, n_small: int, n_large: int) -> str:
    ceiling = large.get("one_query", {}).get("rps") or 1
    lines = [
        f"| endpoint | req/s at {n_small:,} | p50 / p99 ms at {n_small:,} | req/s at {n_large:,} | p50 / p99 ms at {n_large:,} "
        "| growth (p50) | × one-query ceiling | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [(kind, title) for kind, title, _path in ENDPOINTS]
    # The bare worker measured in turns with the ping, right under it.
    rows.insert(
        1,
        (
            "ping_bare",
            "bare Django view, startproject's middleware (the peer's worker, in turns with the ping)",
        ),
    )
    for kind, title in rows:
        if kind not in large or kind not in small:
            continue
        s, g = small[kind], large[kind]
        lines.append(
            f"| {title} | {s['rps']:.0f} | {s['p50']:.1f} / {s['p99']:.1f} | {g['rps']:.0f} | {g['p50']:.1f} / {g['p99']:.1f} "
            f"| {_growth(s, g)} | {g['rps'] / ceiling:.2f} | {s['errors'] + g['errors']} |"
        )
    if "create_floor" in small and "create_floor" in large:
        lines.append(
            f"| a create's statements replayed from 2 bare connections (PostgreSQL alone) | {small['create_floor']:.0f} "
            f"| – | {large['create_floor']:.0f} | – | – | – | – |"
        )
    cpu_small, cpu_large = (part.get("create", {}).get("cpu_ms") for part in (small, large))
    if cpu_small and cpu_large:
        names = " / ".join(cpu_large)
        lines.append(
            f"| CPU per request received and dispatched, ms ({names}) | "
            f"{' / '.join(f'{ms:.1f}' for ms in cpu_small.values())} | – | "
            f"{' / '.join(f'{ms:.1f}' for ms in cpu_large.values())} | – | – | – | – |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--large", type=int, default=2_000_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--units-per-project", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--runs", type=int, default=1, help="wrk runs per figure (the median); 3 with --peer")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections; 16 with --peer")
    parser.add_argument(
        "--peer", type=Path, help="the peer harness (run_all.sh's folder): measured first, in the same run"
    )
    args = parser.parse_args()
    settings = {"runs": args.runs, "connections": args.connections}
    if args.peer:  # the peer harness's own settings, so that the ratios compare like with like
        settings = {
            "runs": max(args.runs, 3),
            "connections": 16 if args.connections == 8 else args.connections,
        }
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise SystemExit(f"loadbench needs `{tool}` (apt install {tool})")
    tmp = Path(tempfile.mkdtemp(prefix="guanjia-loadbench-"))
    (tmp / "var").mkdir()
    peer = bare_mb = None
    if args.peer:
        tmp.chmod(0o755)  # the harness's cluster runs as the postgres user, under this directory
        started = time.perf_counter()
        print(f"  the peers ({args.peer / 'run_all.sh'}) into {tmp / 'peer'} …")
        peer = peers.run(args.peer, tmp / "peer", duration=args.duration, **settings)
        print(f"  the peers measured in {time.perf_counter() - started:.0f} s")

        def warm(url: str) -> None:
            sh("wrk", "-t2", f"-c{settings['connections']}", "-d3s", url)

        bare_mb = bare_workers_memory(args.peer, tmp / "peer", PORT_HTTP, warm)
        print(f"  the bare worker's memory after 3 s of pings (MB): {bare_mb}")
    database_url, pgbin = start_postgres(tmp)
    server = redis = consumer = None
    stack = contextlib.ExitStack()
    try:
        env = app_env(database_url, tmp)
        if shutil.which("redis-server"):
            # Production queues jobs and caches in Redis; so does the benchmark.
            redis = subprocess.Popen(
                ["redis-server", "--port", "6391", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            env["REDIS_URL"] = "redis://127.0.0.1:6391/0"
            time.sleep(1)
        manage = [PY, str(ROOT / "manage.py")]
        started = time.perf_counter()
        sh(*manage, "migrate", "-v", "0", env=env)
        sh(*manage, "createcachetable", env=env)
        sh(
            *manage,
            "seed_scale",
            "--projects",
            str(args.projects),
            "--units-per-project",
            str(args.units_per_project),
            "--code",
            "BN",
            "--password",
            PASSWORD,
            env=env,
        )
        print(
            f"  seed_scale {args.projects} × {args.units_per_project}: {time.perf_counter() - started:.0f} s"
        )
        grow(env, args.small)
        rollup_figures(manage, env)
        # The workers' warm-up (deploy/gunicorn.conf.py) renders the login page: its static files.
        sh(*manage, "collectstatic", "--noinput", "-v0", env=env)
        server = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                # Production's configuration (preload, the master prepared for forking, warm-up), two
                # workers and no restarts while measured.
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "guanjia.wsgi",
                "-w",
                "2",
                "--max-requests",
                "0",
                "-b",
                f"127.0.0.1:{PORT_HTTP}",
                "--access-logfile",
                "/dev/null",
                "--timeout",
                "120",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / "gunicorn.log", "w"),  # noqa: SIM115
        )
        # The worker: production auto-dispatches a new repair in it, after the create's commit.
        consumer = subprocess.Popen(
            [*manage, "run_huey", "--workers", "1", "--no-periodic"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / "huey.log", "w"),  # noqa: SIM115
        )
        wait_for(f"http://127.0.0.1:{PORT_HTTP}/bench/ping")
        # Whose CPU a create spends (benchmarks.cpu): the app servers, the worker, PostgreSQL.
        processes = {
            "app servers": server.pid,
            "worker": consumer.pid,
            "PostgreSQL": postmaster_pid(tmp / "pg"),
        }
        bare_url = None
        if args.peer:
            stack.enter_context(bare_worker(args.peer, tmp / "peer", PORT_BARE))
            bare_url = f"http://127.0.0.1:{PORT_BARE}/ping"
        small = measure(tmp, env, f"{args.small:,}", args.duration, settings, server, processes, bare_url)
        explain_small = explain("bn-hq", PASSWORD)
        grow(env, args.large)
        rollup_figures(manage, env)
        large = measure(tmp, env, f"{args.large:,}", args.duration, settings, server, processes, bare_url)
        explain_large = explain("bn-hq", PASSWORD)
        (ROOT / "var").mkdir(exist_ok=True)
        (ROOT / "var" / "loadbench.json").write_text(
            json.dumps({"small": small, "large": large, "peer": peer, "bare_mb": bare_mb}, indent=1),
            encoding="utf-8",
        )
        report = table(small, large, args.small, args.large)
        report += "\n\n" + report_lines(small["workers_mb"], large["workers_mb"], bare_mb)
        report += f"\n\nwrk -t2 -c{settings['connections']} -d{args.duration}s, median of {settings['runs']} run(s)\n"
        if peer is not None:
            report += "\n" + peers.beside(peer, small, large, args.small, args.large) + "\n"
            report += "\n" + (tmp / "peer" / "results.md").read_text(encoding="utf-8")
        print()
        print(report)
        print("\nEXPLAIN at the large size:\n" + explain_large)
        (tmp / "explain-small.txt").write_text(explain_small, encoding="utf-8")
        (ROOT / "var").mkdir(exist_ok=True)
        (ROOT / "var" / "loadbench.md").write_text(
            report + "\n\n```\n" + explain_large + "\n```\n", encoding="utf-8"
        )
        print(f"\n(table and plans also in {ROOT / 'var' / 'loadbench.md'})")
    finally:
        stack.close()
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=30)
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        if redis is not None:
            redis.terminate()
        stop_postgres(tmp, pgbin)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
