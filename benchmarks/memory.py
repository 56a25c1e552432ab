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

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

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


def prepare(out: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    import datetime

    from django.utils import timezone

    from guanjia.accounts.models import ApiToken, hash_token
    from guanjia.core.context import Source, change_context
    from guanjia.testing.world import build_world

    with change_context(source=Source.COMMAND):
        world = build_world()
    raw = ApiToken.new_raw_key()
    ApiToken.objects.create(
        user=world.hq,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    out.write_text(json.dumps({"token": raw}))


def measure(token: str, requests: int) -> dict:
    import io

    start = rss_mb()
    from guanjia.wsgi import application

    imported = rss_mb()
    heavy_at_start = heavy_loaded()
    from guanjia.api import api

    paths = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" in operations and "{" not in path:
            paths.append(path)
    statuses: dict[int, int] = {}

    def call(path: str) -> int:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])

        body = b"".join(application(environ, start_response))
        answer["body"] = body
        return answer["status"]

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
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=45)
    parser.add_argument("--stage", choices=["prepare", "measure"], default=None)
    parser.add_argument("--state", default="")
    parser.add_argument("--code", default="", help="measure the guanjia package under this directory")
    parser.add_argument("--dir", default="", help="keep the database here and reuse it on the next run")
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(Path(args.state))
        return
    if args.stage == "measure":
        token = json.loads(Path(args.state).read_text())["token"]
        print(json.dumps(measure(token, args.requests)))
        return
    tmp = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="guanjia-memory-"))
    tmp.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="guanjia.settings",
        GUANJIA_TESTING="",
        DEBUG="0",
        SECRET_KEY="memory-bench-" + "x" * 50,
        DATABASE_URL=f"sqlite:///{tmp}/memory.sqlite3",
        GUANJIA_VAR_DIR=str(tmp),
        API_RATE_LIMITS="0",
        SECURE_SSL_REDIRECT="0",
        REDIS_URL="",
    )
    state = tmp / "state.json"
    if not state.exists():
        subprocess.run(  # noqa: S603 (this interpreter, this module)
            [sys.executable, "-m", "benchmarks.memory", "--stage", "prepare", "--state", str(state)],
            env=env,
            check=True,
        )
    if args.code:  # another checkout of the code (a "before" measurement); this script stays this one
        env["PYTHONPATH"] = args.code
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
