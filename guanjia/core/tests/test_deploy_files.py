"""The files of deploy/ agree with each other and with the settings (.ci/production runs them)."""

import re
import runpy
from pathlib import Path

from django.conf import settings

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def _env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "guanjia.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def test_the_nginx_site_is_for_nginx_1_22_and_matches_the_app():
    site = (DEPLOY / "nginx-guanjia.conf").read_text()
    env = _env()
    assert not re.search(r"^\s*http2 on;", site, re.M) and "listen 443 ssl http2;" in site  # 1.22 refuses it
    assert f"client_max_body_size {settings.REQUEST_MAX_BYTES // (1024 * 1024)}m;" in site
    assert f"alias {env['GUANJIA_VAR_DIR']}/static/;" in site  # STATIC_ROOT
    protected = re.search(r"location (\S+) \{\s*internal;\s*alias (\S+);", site)
    assert protected, "an internal location for the checked files"
    assert protected.group(1) == env["MEDIA_ACCEL_REDIRECT"]
    assert protected.group(2) == env["MEDIA_ROOT"].rstrip("/") + "/"
    assert "location /media/" not in site  # uploaded files are never a public directory
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme", "Host $host"):
        assert f"proxy_set_header {header};" in site
    assert len(re.findall(r"^\s*server 127\.0\.0\.1:\d+", site, re.M)) >= 2


def test_every_process_reads_the_environment_file_and_one_schedules():
    units = {p.name: p.read_text() for p in DEPLOY.glob("*.service")}
    assert set(units) == {"guanjia-web@.service", "guanjia-worker@.service", "guanjia-scheduler.service"}
    for name, text in units.items():
        assert "EnvironmentFile=/etc/guanjia/env" in text, name
        assert "User=guanjia" in text, name
    consumers = [n for n, t in units.items() if "run_huey" in t]
    schedulers = [n for n in consumers if "--no-periodic" not in units[n]]
    # Workers scale by instance (@1, @2, …); the periodic tasks are enqueued in exactly one place.
    assert schedulers == ["guanjia-scheduler.service"]
    assert "@" not in schedulers[0]
    assert (
        "--config /opt/guanjia/deploy/gunicorn.conf.py --bind 127.0.0.1:%i" in units["guanjia-web@.service"]
    )


def test_gunicorn_restarts_are_spread_and_new_workers_warm(monkeypatch):
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS_JITTER", raising=False)
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    low, high = conf["max_requests"], conf["max_requests"] + conf["max_requests_jitter"]
    assert (low, high) == (500, 1500)  # 1,000 ± 500: a worker's limit is drawn anywhere in that range
    assert conf["preload_app"] is True
    assert callable(conf["post_worker_init"]) and callable(conf["post_fork"])
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "2000")
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["max_requests_jitter"] == 2 * conf["max_requests"]


def test_the_documentation_shows_these_files():
    docs = (DEPLOY.parent / "docs" / "deploy.md").read_text()
    for path in DEPLOY.iterdir():
        assert f"deploy/{path.name}" in docs, path.name
    assert not re.search(r"^\s*http2 on;", docs, re.M)
    # The commands of the release that the CI job (.ci/production) runs are the ones shown.
    job = (DEPLOY.parent / ".ci" / "production").read_text()
    for command in ("manage.py migrate --noinput", "manage.py collectstatic --noinput", "pg_basebackup"):
        assert command in docs and command in job, command
    assert "manage.py create_company --name 金苑物业 --code JY" in job
