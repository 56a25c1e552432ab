"""What the in-process benchmarks (``memory``, ``createpath``) share: a worker's environment with
production settings on a throw-away SQLite database, a database prepared once with a world and a
bearer token, and a call through the WSGI handler as gunicorn makes it (no test client, no HTTP).

Each benchmark runs in two processes: ``prepare`` (migrate, build the world, write the state file)
and ``measure`` (a fresh worker that only serves), so the measured process holds nothing the
preparation loaded.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def arguments() -> argparse.ArgumentParser:
    """The options every in-process benchmark takes (its own are added by the caller)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", choices=["prepare", "measure"], default=None)
    parser.add_argument("--state", default="")
    parser.add_argument("--code", default="", help="measure the guanjia package under this directory")
    parser.add_argument("--dir", default="", help="keep the database here and reuse it on the next run")
    return parser


ROOT = Path(__file__).resolve().parents[1]


def worker_env(tmp: Path, name: str, *, redis_url: str = "", code: str = "") -> dict:
    """The environment of a production worker (DEBUG off) whose database and files are in ``tmp``.
    The benchmarks run as scripts find ``benchmarks`` in this checkout; ``code``: another checkout
    whose ``guanjia`` is measured instead of this one's (a "before")."""
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="guanjia.settings",
        GUANJIA_TESTING="",
        DEBUG="0",
        SECRET_KEY=f"{name}-bench-" + "x" * 50,
        DATABASE_URL=f"sqlite:///{tmp}/{name}.sqlite3",
        GUANJIA_VAR_DIR=str(tmp),
        API_RATE_LIMITS="0",
        SECURE_SSL_REDIRECT="0",
        REDIS_URL=redis_url,
        PYTHONPATH=os.pathsep.join(p for p in (code, str(ROOT)) if p),
    )


def migrated_world():
    """Migrate the empty database and build ``guanjia.testing.world`` in it (django set up here)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    from guanjia.core.context import Source, change_context
    from guanjia.testing.world import build_world

    with change_context(source=Source.COMMAND):
        return build_world()


def bearer_token(user) -> str:
    """A raw API key for ``user``, as signing in gives one."""
    from guanjia.accounts.services import token_create

    return token_create(user=user)[1]


def environ(path: str, **extra) -> dict:
    """A WSGI environ as gunicorn builds it for a request from a load generator."""
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "*/*",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    env.update(extra)
    return env


def call(application, path: str, *, token: str, method: str = "GET", body: bytes = b"") -> int:
    """One request through the WSGI handler with a bearer token; its status."""
    env = environ(
        path, REQUEST_METHOD=method, HTTP_AUTHORIZATION=f"Bearer {token}", **{"wsgi.input": io.BytesIO(body)}
    )
    if body:
        env.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    b"".join(application(env, start_response))
    return answer["status"]


def start_redis(tmp: Path) -> tuple[subprocess.Popen, int]:
    """A throw-away redis-server on a free port of 127.0.0.1: the server and its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp)],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server, port
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def run_stages(script: str, name: str, args, measure_args: list[str]) -> dict:
    """Run ``script``'s two stages as separate processes (``prepare`` once per ``--dir``, then
    ``measure`` with ``measure_args``) in a worker's environment; the measure stage's report (the
    JSON of its last line). The shared cache is Redis, as in production, when a redis-server is
    installed (the token and the caller's scope are read from it on every call)."""
    tmp = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix=f"guanjia-{name}-"))
    tmp.mkdir(parents=True, exist_ok=True)
    redis = start_redis(tmp) if shutil.which("redis-server") else None
    env = worker_env(tmp, name, redis_url=f"redis://127.0.0.1:{redis[1]}/0" if redis else "", code=args.code)
    state = tmp / "state.json"
    run = [sys.executable, script, "--state", str(state)]
    try:
        if not state.exists():
            subprocess.run([*run, "--stage", "prepare"], env=env, check=True)  # noqa: S603
        result = subprocess.run(  # noqa: S603
            [*run, "--stage", "measure", *measure_args], env=env, check=True, capture_output=True, text=True
        )
    finally:
        if redis:
            redis[0].terminate()
            redis[0].wait()
        if not args.dir:
            shutil.rmtree(tmp, ignore_errors=True)
    return json.loads(result.stdout.strip().splitlines()[-1])
