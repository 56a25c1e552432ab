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
import os
import sys
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
