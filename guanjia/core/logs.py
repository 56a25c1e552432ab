"""Log filters the settings' LOGGING uses."""

import logging


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
