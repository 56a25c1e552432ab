"""Production settings pass Django's deployment checklist, and refuse to start without a secret."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]


def _production_env(tmp_path, **overrides) -> dict:
    # Only what a production host sets: nothing from the developer's shell (an exported
    # SECURE_SSL_REDIRECT=0 for a local run must not decide this test).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GUANJIA_", "DJANGO_", "DATABASE_", "SECURE_", "REDIS_", "CONN_", "DB_", "LOG_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="guanjia.settings",
        GUANJIA_VAR_DIR=str(tmp_path),
        # check --deploy needs no connection; a SQLite URL keeps the test independent of a server.
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        REDIS_URL="redis://localhost:6379/0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="guanjia.example.com",
        CSRF_TRUSTED_ORIGINS="https://guanjia.example.com",
        DEBUG="0",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(_production_env(tmp_path, SECRET_KEY=None), "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_healthz_answers_ok_without_login_and_touches_no_dependency(client, db, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database unreachable")

    with monkeypatch.context() as patched:  # undone before the test database is torn down
        patched.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    # Liveness: the process answers; a database outage is readiness' business (/readyz).
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_csrf_check_stands_in_for_djangos_w003(settings):
    from guanjia.core.checks import csrf_middleware_installed

    assert csrf_middleware_installed() == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "Csrf" not in m]
    assert [w.id for w in csrf_middleware_installed()] == ["guanjia.W003"]
