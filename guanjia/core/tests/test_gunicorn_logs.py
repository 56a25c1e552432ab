"""gunicorn's access lines in the app's JSON format (deploy/gunicorn.conf.py's logger_class).

The production CI job (.ci/production) reads the real lines of two app servers; here the logger is
given one request as gunicorn's worker gives it."""

import datetime
import io
import json
import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

from guanjia.core import gunicorn_logs

CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


class Response:
    status = "201 Created"
    headers = [("Content-Type", "application/json"), ("X-Request-ID", "req-42")]
    sent = 123


def access_line(monkeypatch, log_format: str, response=None, **environ_extra) -> str:
    monkeypatch.setenv("GUANJIA_LOG_FORMAT", log_format)
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    cfg.set("logger_class", runpy.run_path(str(CONF))["logger_class"])
    logger = cfg.logger_class(cfg)
    out = io.StringIO()
    handler = next(h for h in logger.access_log.handlers if getattr(h, "_gunicorn", False))
    handler.setStream(out)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/tickets",
        "RAW_URI": "/api/v1/tickets?x=1",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "203.0.113.7",
        "HTTP_USER_AGENT": "curl/8",
        **environ_extra,
    }
    logger.access(
        response or Response(), None, environ, datetime.timedelta(milliseconds=12, microseconds=345)
    )
    return out.getvalue()


def test_the_access_line_is_json_with_the_app_s_fields(monkeypatch):
    line = access_line(monkeypatch, "json")
    assert line.count("\n") == 1
    entry = json.loads(line)
    assert entry["logger"] == "gunicorn.access"
    assert entry["level"] == "INFO"
    assert entry["time"].endswith("Z")  # UTC, as the app's lines
    assert entry["request_id"] == "req-42"  # the id the app answered (nginx's, through the proxy)
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/api/v1/tickets", 201)
    assert entry["duration_ms"] == pytest.approx(12.3, abs=0.1)
    assert (entry["bytes"], entry["client"], entry["user_agent"]) == (123, "203.0.113.7", "curl/8")


def test_as_text_for_a_terminal(monkeypatch):
    line = access_line(monkeypatch, "text")
    assert "gunicorn.access [req-42] POST /api/v1/tickets 201" in line
    assert line[:4].isdigit() and line.split(" ", 1)[0].endswith("Z")


def test_gunicorn_s_own_messages_too(monkeypatch):
    monkeypatch.setenv("GUANJIA_LOG_FORMAT", "json")
    cfg = Config()
    cfg.set("errorlog", "-")
    logger = gunicorn_logs.GuanjiaLogger(cfg)
    out = io.StringIO()
    next(h for h in logger.error_log.handlers if getattr(h, "_gunicorn", False)).setStream(out)
    logger.info("Booting worker with pid: %s", 7)
    entry = json.loads(out.getvalue())
    assert (entry["logger"], entry["message"]) == ("gunicorn.error", "Booting worker with pid: 7")


def test_the_request_id_the_app_answered_from_the_environ(monkeypatch, rf):
    """The app leaves its request id in the WSGI environ, so the access line need not search the
    answer's headers for it; an answer without it (not the app's) is still searched."""
    from django.http import HttpResponse

    from guanjia.core.requestid import ENVIRON_KEY, HEADER, RequestIdMiddleware

    request = rf.get("/")
    answered = RequestIdMiddleware(lambda r: HttpResponse("ok"))(request)
    assert request.META[ENVIRON_KEY] == answered[HEADER]

    class Headerless(Response):
        headers = [("Content-Type", "application/json")]

    line = access_line(monkeypatch, "text", Headerless(), **{ENVIRON_KEY: answered[HEADER]})
    assert f"[{answered[HEADER]}] POST /api/v1/tickets 201" in line
    assert "[req-42] POST" in access_line(monkeypatch, "text")
