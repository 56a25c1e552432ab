"""Helpers for residents' sign-in tests: read what the SMS backend sent (the default ``LogBackend``
writes every message to the ``guanjia.notifications.channels`` logger; a bare number's code too)."""

from __future__ import annotations

import re

SMS_LOGGER = "guanjia.notifications.channels"


def sms_to(caplog, phone: str) -> list[str]:
    """The texts sent by SMS to ``phone``, oldest first."""
    texts = []
    for record in caplog.records:
        if record.name != SMS_LOGGER:
            continue
        message = record.getMessage()
        if message.startswith(f"[sms] to {phone} "):
            texts.append(message.split("): ", 1)[1])
    return texts


def last_code(caplog, phone: str) -> str:
    texts = [t for t in sms_to(caplog, phone) if re.search(r"\d{6}", t)]
    assert texts, f"no SMS code was sent to {phone}"
    return re.search(r"验证码是(\d{6})", texts[-1]).group(1)


def last_link(caplog, phone: str) -> str:
    texts = [t for t in sms_to(caplog, phone) if "/portal/activate/" in t]
    assert texts, f"no invitation was sent to {phone}"
    return re.search(r"(/portal/activate/[^/\s|]+/)", texts[-1]).group(1)
