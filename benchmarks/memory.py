"""A worker's resident memory: at start and after a varied set of API requests, and which heavy
libraries it holds. In-process through the WSGI handler, as a gunicorn worker serves (production
settings, DEBUG off), against a throw-away SQLite database; RSS does not depend on how busy the
machine is.

    python -m benchmarks.memory [--requests 45]
    python -m benchmarks.memory --server [--requests 1000] [--peer ../shared/bench-peer]

A first process migrates and builds a small world (two companies, their projects, staff and
residents: ``guanjia.testing.world``) and issues a bearer token for the HQ user; a second, fresh
process is the measured worker: it imports ``guanjia.wsgi``, then serves ``--requests`` GET calls,
cycling through every API list operation that needs no path parameter (plus a request's detail).

``--server`` measures what production runs instead: gunicorn with deploy/gunicorn.conf.py (the
master preloads the application and prepares it for forking, guanjia/core/preload.py) and two
workers, serving ``--requests`` of the same calls over HTTP; then the master's and each worker's
RSS, PSS and private memory. RSS counts the pages a worker shares with the master and the other
workers in every one of them; PSS divides them among the sharers, private memory is what one more
worker costs. With ``--peer`` the bare Django worker of the peer harness is measured the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks import inprocess
from benchmarks.inprocess import bearer_token, migrated_world

HEAVY = (
    "openpyxl",
    "PIL",
    "reportlab",
    "httpx",
    "alipay",
    "wechatpayv3",
    "Cryptodome",
    "cryptography",
    "boto3",
    "botocore",
    "tencentcloud",
    "jinja2",
    "rich",
    "pygments",
    "gevent",
    "hypothesis",
    "schemathesis",
    "segno",
    "qrcode",
)


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory_mb(pid: int | str) -> dict[str, float]:
    """A process's memory (MB) from /proc/PID/smaps_rollup: ``rss`` (every page it maps, shared ones
    too), ``pss`` (shared pages divided among the processes sharing them: the sum over processes is
    the machine's total) and ``private`` (pages no other process holds: what stopping it frees)."""
    fields: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    except OSError:
        return {"rss": rss_mb(pid), "pss": 0.0, "private": 0.0}
    return {
        "rss": round(fields.get("Rss", 0.0), 1),
        "pss": round(fields.get("Pss", 0.0), 1),
        "private": round(fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0), 1),
    }


def children(master: int) -> list[int]:
    """The child processes of ``master`` (a gunicorn master's workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            pids.append(int(entry.name))
    return sorted(pids)


def workers_memory(master: int) -> list[dict[str, float]]:
    """Each gunicorn worker's memory (``memory_mb``), by RSS."""
    return sorted((memory_mb(pid) for pid in children(master)), key=lambda m: m["rss"])


@contextlib.contextmanager
def bare_worker(harness: Path, work: Path, port: int) -> Iterator[int]:
    """The peer harness's bare worker (``ceiling.py`` with startproject's middleware, in the harness's
    own venv when it left one) served by gunicorn like Guanjia (2 sync workers) on ``port``, while
    the block runs; yields its master's pid once ``/ping`` answers."""
    venv = work / "venv-ceiling" / "bin"
    gunicorn = venv / "gunicorn" if (venv / "gunicorn").exists() else Path(sys.executable).parent / "gunicorn"
    env = {
        key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
    }
    env["CEILING_MW"] = "1"
    server = subprocess.Popen(  # noqa: S603 (the harness the benchmark was pointed at)
        [str(gunicorn), "--chdir", str(harness), "ceiling:application", "-w", "2", "-b", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/ping")
        yield server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def bare_workers_memory(harness: Path, work: Path, port: int, warm: Callable[[str], None]) -> list[dict]:
    """The bare worker (``bare_worker``) warmed by ``warm`` (the URL it is given), then each
    worker's memory."""
    with bare_worker(harness, work, port) as master:
        warm(f"http://127.0.0.1:{port}/ping")
        return workers_memory(master)


def wait_for(url: str, headers: dict | None = None, seconds: int = 60) -> None:
    """Until a server at ``url`` answers (any status), at most ``seconds``."""
    for _ in range(seconds * 2):
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer")


def heavy_loaded() -> list[str]:
    return sorted(name for name in HEAVY if name in sys.modules)


def list_paths() -> list[str]:
    """The API's list operations that need no path parameter. Read in the preparing process: building
    the OpenAPI schema allocates tens of MB that a serving worker never holds."""
    from guanjia.api import api

    return [
        path
        for path, operations in api.get_openapi_schema()["paths"].items()
        if "get" in operations and "{" not in path
    ]


def prepare(out: Path) -> None:
    world = migrated_world()
    out.write_text(json.dumps({"token": bearer_token(world.hq), "paths": list_paths()}))


def measure(token: str, paths: list[str], requests: int) -> dict:

    start = rss_mb()
    from guanjia.wsgi import application

    imported = rss_mb()
    heavy_at_start = heavy_loaded()
    statuses: dict[int, int] = {}

    def call(path: str) -> int:
        return inprocess.call(application, path, token=token)

    call("/api/v1/me")
    after_first = rss_mb()
    served = 0
    while served < requests:
        for path in paths:
            if served >= requests:
                break
            status = call(path)
            statuses[status] = statuses.get(status, 0) + 1
            served += 1
    return {
        "interpreter": round(start, 1),
        "after import guanjia.wsgi": round(imported, 1),
        "after the first request": round(after_first, 1),
        f"after {requests} requests": round(rss_mb(), 1),
        "heavy libraries at start": heavy_at_start,
        "heavy libraries at the end": heavy_loaded(),
        "statuses": statuses,
        "operations": len(paths),
    }


SERVER_PORT = 8797


def serve_and_measure(env: dict, token: str, paths: list[str], requests: int) -> dict:
    """gunicorn as production configures it (two workers, no restarts while measured), ``requests``
    API calls over HTTP, then the master's and the workers' memory."""
    env = dict(env, GUNICORN_WORKERS="2", GUNICORN_MAX_REQUESTS="0")
    conf = inprocess.ROOT / "deploy" / "gunicorn.conf.py"
    server = subprocess.Popen(  # noqa: S603 (this checkout's gunicorn and configuration)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(conf),
            "--bind",
            f"127.0.0.1:{SERVER_PORT}",
            "--access-logfile",
            "/dev/null",
            "guanjia.wsgi:application",
        ],
        env=env,
        cwd=inprocess.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    headers = {"Authorization": f"Bearer {token}"}
    statuses: dict[int, int] = {}
    try:
        base = f"http://127.0.0.1:{SERVER_PORT}"
        wait_for(f"{base}/api/v1/me", headers)
        for served in range(requests):
            request = urllib.request.Request(base + paths[served % len(paths)], headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (local)
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            statuses[status] = statuses.get(status, 0) + 1
        return {"master": memory_mb(server.pid), "workers": workers_memory(server.pid), "statuses": statuses}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def ratios(worker: dict, bare: list[dict]) -> str:
    """A worker's RSS, PSS and private memory over the largest bare worker's."""
    base = max(bare, key=lambda m: m["rss"])
    return ", ".join(
        f"{key} {worker[key] / base[key]:.2f}×" for key in ("rss", "pss", "private") if base[key]
    )


def shown(workers: list[dict]) -> str:
    return "; ".join(f"RSS {m['rss']}, PSS {m['pss']}, private {m['private']}" for m in workers)


def report_lines(small: list[dict], large: list[dict], bare: list[dict] | None) -> str:
    """loadbench's memory lines: each worker after the run at both sizes, beside the bare worker."""
    lines = [
        f"gunicorn workers' memory (MB) after the endpoints at the small size: {shown(small)}; "
        f"at the large size: {shown(large)}"
    ]
    if bare and large:
        lines.append(
            f"the bare worker (the peer harness's ceiling.py, startproject's middleware, warmed 3 s): {shown(bare)}; "
            f"Guanjia's largest worker ÷ the bare worker's: {ratios(large[-1], bare)} (target ≤ 2×)"
        )
    return "\n".join(lines)


def print_server(report: dict, bare: list[dict] | None) -> None:
    print("| process | RSS MB | PSS MB | private MB |")
    print("|---|---|---|---|")
    rows = [("master (preloaded)", report["master"])]
    rows += [(f"worker {n}", worker) for n, worker in enumerate(report["workers"], 1)]
    rows += [(f"bare worker {n}", worker) for n, worker in enumerate(bare or [], 1)]
    for name, memory in rows:
        print(f"| {name} | {memory['rss']} | {memory['pss']} | {memory['private']} |")
    if bare:
        print(f"\nlargest worker ÷ bare worker: {ratios(report['workers'][-1], bare)}")
    print(f"statuses: {report['statuses']}")


def main() -> None:
    parser = inprocess.arguments()
    parser.add_argument("--requests", type=int, default=None, help="45 in-process, 1,000 with --server")
    parser.add_argument("--server", action="store_true", help="gunicorn with deploy/gunicorn.conf.py")
    parser.add_argument("--peer", type=Path, default=None, help="the peer harness: its bare worker too")
    args = parser.parse_args()
    requests = args.requests or (1000 if args.server else 45)
    if args.stage == "prepare":
        prepare(Path(args.state))
        return
    if args.stage == "measure":
        state = json.loads(Path(args.state).read_text())
        print(json.dumps(measure(state["token"], state["paths"], requests)))
        return
    tmp = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="guanjia-memory-"))
    tmp.mkdir(parents=True, exist_ok=True)
    env = inprocess.worker_env(tmp, "memory", code=args.code)
    state = tmp / "state.json"
    if not state.exists():
        subprocess.run(  # noqa: S603 (this interpreter, this module)
            [sys.executable, "-m", "benchmarks.memory", "--stage", "prepare", "--state", str(state)],
            env=env,
            check=True,
        )
    if args.server:
        # The workers' warm-up renders the login page, whose stylesheet must be in the manifest.
        subprocess.run(  # noqa: S603
            [sys.executable, str(inprocess.ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
            env=env,
            check=True,
        )
        saved = json.loads(state.read_text())
        report = serve_and_measure(env, saved["token"], saved["paths"], requests)
        bare = None
        if args.peer:

            def warm(url: str) -> None:
                for _ in range(requests):
                    urllib.request.urlopen(url, timeout=10).read()  # noqa: S310 (local)

            bare = bare_workers_memory(args.peer, tmp / "peer", SERVER_PORT, warm)
        print_server(report, bare)
        return
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--stage",
            "measure",
            "--state",
            str(state),
            "--requests",
            str(requests),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print("| worker | RSS MB |")
    print("|---|---|")
    for key, value in report.items():
        if isinstance(value, float):
            print(f"| {key} | {value} |")
    print(f"\nheavy libraries at start: {', '.join(report['heavy libraries at start']) or '–'}")
    print(f"heavy libraries at the end: {', '.join(report['heavy libraries at the end']) or '–'}")
    print(f"statuses: {report['statuses']} over {report['operations']} list operations")


if __name__ == "__main__":
    main()
