"""A worker's resident memory: at start and after a varied set of API requests, and which heavy
libraries it holds. In-process through the WSGI handler, as a gunicorn worker serves (production
settings, DEBUG off), against a throw-away SQLite database; RSS does not depend on how busy the
machine is.

    python -m benchmarks.memory [--requests 45]

A first process migrates and builds a small world (two companies, their projects, staff and
residents: ``guanjia.testing.world``) and issues a bearer token for the HQ user; a second, fresh
process is the measured worker: it imports ``guanjia.wsgi``, then serves ``--requests`` GET calls,
cycling through every API list operation that needs no path parameter (plus a request's detail).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
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


def workers_rss(master: int) -> list[float]:
    """The resident memory (MB) of each gunicorn worker of ``master`` (its child processes)."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            workers.append(round(rss_mb(entry.name), 1))
    return sorted(workers)


def bare_workers_rss(harness: Path, work: Path, port: int, warm: Callable[[str], None]) -> list[float]:
    """The peer harness's bare worker (``ceiling.py`` with startproject's middleware, in the harness's
    own venv when it left one) served by gunicorn like Guanjia (2 sync workers), warmed by ``warm``
    (the URL it is given), then each worker's resident memory."""
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
        url = f"http://127.0.0.1:{port}/ping"
        for _ in range(60):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        warm(url)
        return workers_rss(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


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


def main() -> None:
    parser = inprocess.arguments()
    parser.add_argument("--requests", type=int, default=45)
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(Path(args.state))
        return
    if args.stage == "measure":
        state = json.loads(Path(args.state).read_text())
        print(json.dumps(measure(state["token"], state["paths"], args.requests)))
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
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--stage",
            "measure",
            "--state",
            str(state),
            "--requests",
            str(args.requests),
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
