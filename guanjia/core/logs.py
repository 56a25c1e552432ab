"""Log filters and formatters the settings' LOGGING uses.

Every line names the request (or job) it was written in (``request_id``, ``core.requestid``), the
signed-in user and the path, with its time in UTC (ISO 8601, ``Z``) whatever the server's time zone.
``GUANJIA_LOG_FORMAT=json`` writes one JSON object per line (for a log collector); ``text`` (the
default) the same fields for a person reading a terminal.
"""

import datetime
import json
import logging

from guanjia.core import requestid


class RefusalsOnOneLine(logging.Filter):
    """An expected refusal (any 4xx: no permission, not found, invalid input, too big) is one line
    in the log — "Forbidden (…): /path" — not a traceback; the traceback of a 5xx stays, since that
    is a fault to fix."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class RequestContext(logging.Filter):
    """Adds ``request_id``, ``user_id`` and ``path`` of the current request or job to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = requestid.current()
        request = getattr(record, "request", None)
        if info is None and getattr(request, "request_id", None):
            # Django logs a 4xx answer after the middleware has finished; the record carries the request.
            info = requestid.RequestInfo(request.request_id, path=request.path, request=request)
        if not hasattr(record, "request_id"):
            record.request_id = info.request_id if info else ""
        if not hasattr(record, "user_id"):
            record.user_id = info.user_id if info else None
        if not hasattr(record, "path"):
            record.path = info.path if info else ""
        return True


def utc_time(record: logging.LogRecord) -> str:
    moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Fields some records carry (gunicorn's access lines, core.gunicorn_logs), written when present.
EXTRA_FIELDS = ("method", "duration_ms", "bytes", "client", "user_agent")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, user_id, path,
    status when known, ``EXTRA_FIELDS`` when present, and the traceback as one string when there
    is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "user_id": getattr(record, "user_id", None),
            "path": getattr(record, "path", ""),
        }
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``2026-12-03T01:02:03.456Z INFO guanjia.x [request id] message`` — the same fields, to read."""

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{utc_time(record)} {record.levelname} {record.name} "
            f"[{getattr(record, 'request_id', '') or '-'}] {record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:
            line += "\n" + record.exc_text
        return line
