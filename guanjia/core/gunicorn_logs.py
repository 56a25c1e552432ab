"""gunicorn's own log lines in the app's format (``deploy/gunicorn.conf.py``: ``logger_class``).

gunicorn writes two logs of its own: the access log (one line per request, written by the worker
after the answer went out) and the error log (boot, worker restarts, timeouts). By default both have
their own formats and local times. This logger writes them with the app's formatters
(``core.logs``): with ``GUANJIA_LOG_FORMAT=json`` one JSON object per line, with the same fields as
the app's lines — ``time`` (UTC), ``level``, ``logger`` (``gunicorn.access`` / ``gunicorn.error``),
``message``, ``request_id``, ``path`` — and, on access lines, ``method``, ``status``,
``duration_ms``, ``bytes``, ``client`` and ``user_agent``:

    {"time": "2026-12-03T05:01:02.345Z", "level": "INFO", "logger": "gunicorn.access",
     "message": "GET /api/v1/tickets 200", "request_id": "5a4a58…", "user_id": null,
     "path": "/api/v1/tickets", "status": 200, "method": "GET", "duration_ms": 12.3, …}

The request id is the one the app answered in ``X-Request-ID`` (nginx's, when it came through a
trusted proxy; ``core.requestid``), so one grep finds nginx's, gunicorn's, the app's and the jobs'
lines of a request.
"""

from __future__ import annotations

import logging
import os

from gunicorn.glogging import Logger

from guanjia.core.logs import JsonFormatter, TextFormatter
from guanjia.core.requestid import ENVIRON_KEY, HEADER


def formatter() -> logging.Formatter:
    if os.environ.get("GUANJIA_LOG_FORMAT", "text").strip().lower() == "json":
        return JsonFormatter()
    return TextFormatter()


def _request_id_answered(resp) -> str:
    """The id the app answered in ``X-Request-ID``, for an answer the app's middleware did not make."""
    headers = resp.headers.items() if hasattr(resp.headers, "items") else resp.headers
    return next((v for k, v in headers if k.lower() == HEADER.lower()), "")


class GuanjiaLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        fmt = formatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(fmt)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            status = resp.status
            if isinstance(status, str):
                status = status.split(None, 1)[0]
            status = int(status)
            request_id = environ.get(ENVIRON_KEY) or _request_id_answered(resp)
            method = environ.get("REQUEST_METHOD", "")
            path = environ.get("PATH_INFO", "")
            self.access_log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "request_id": request_id or environ.get("HTTP_X_REQUEST_ID", ""),
                    "user_id": None,
                    "path": path,
                    "status_code": status,
                    "method": method,
                    "duration_ms": round(request_time.total_seconds() * 1000, 1),
                    "bytes": getattr(resp, "sent", None),
                    "client": environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
                    or environ.get("REMOTE_ADDR", ""),
                    "user_agent": environ.get("HTTP_USER_AGENT", ""),
                },
            )
        except Exception:
            self.exception("writing the access log line failed")
