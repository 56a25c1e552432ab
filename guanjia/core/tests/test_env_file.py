"""The environment template (deploy/guanjia.env) reads the same under systemd and a shell, and works."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[3]
TEMPLATE = PROJECT_DIR / "deploy" / "guanjia.env"


def read_like_systemd(text: str) -> dict[str, str]:
    """systemd's EnvironmentFile= for unquoted values: lines starting with # or ; are comments, blank
    lines are skipped, the value is everything after the first '=' with surrounding blanks removed —
    including an end-of-line "# …", which systemd keeps (see systemd.exec(5))."""
    values = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def read_like_a_shell(path: Path) -> dict[str, str]:
    """What `set -a; . file` exports, in an otherwise empty environment."""
    dump = subprocess.run(
        ["bash", "-c", f"set -a; . '{path}'; env -0"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    ).stdout.decode()
    values = dict(item.split("=", 1) for item in dump.split("\0") if "=" in item)
    for noise in ("PATH", "PWD", "SHLVL", "_", "OLDPWD"):
        values.pop(noise, None)
    return values


def test_systemd_and_a_shell_read_the_same_values():
    text = TEMPLATE.read_text()
    systemd = read_like_systemd(text)
    assert systemd == read_like_a_shell(TEMPLATE)
    assert not [k for k, v in systemd.items() if re.search(r"\s#|['\"]", v)], (
        "no end-of-line comments, no quotes"
    )
    for needed in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "EMAIL_HOST", "EMAIL_PORT"):
        assert needed in systemd


def _run_check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_filled_in_template_passes_check_deploy(tmp_path):
    values = read_like_systemd(TEMPLATE.read_text())
    values.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        GUANJIA_VAR_DIR=str(tmp_path),
        MEDIA_ROOT=str(tmp_path / "media"),
        # check --deploy opens no connection; SQLite keeps the test independent of a server.
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    result = _run_check(values)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CONN_MAX_AGE", "60                           # persistent DB connections", "end-of-line comment"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0   # cache and queue", "end-of-line comment"),
        ("CONN_MAX_AGE", "sixty", "not a whole number"),
        ("DEBUG", "maybe", "DEBUG"),
    ],
)
def test_a_bad_value_stops_the_settings_naming_the_variable(tmp_path, name, value, says):
    values = read_like_systemd(TEMPLATE.read_text())
    values.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        GUANJIA_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    values[name] = value
    result = _run_check(values)
    assert result.returncode != 0
    assert name in result.stderr and says in result.stderr
