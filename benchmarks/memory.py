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
import subprocess
import sys
import tempfile
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


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


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
