"""What an SMS says: the values of a template's variables, the text as the phone shows it, its segments."""

from __future__ import annotations

import math
import re

from django.conf import settings
from django.utils import translation

from guanjia.notifications.messages import language_for, render

# One SMS carries 70 characters (UCS-2, any Chinese text); a longer one is sent in parts of 67 each
# (3 go to the concatenation header), each billed as one message.
SEGMENT_CHARS = 70
LONG_SEGMENT_CHARS = 67
# Providers limit each variable's value (Tencent and Aliyun: 35 characters for a company's account).
VARIABLE_MAX = 35


def segments_of(text: str) -> int:
    """How many billed messages ``text`` (signature included) is: 1 up to 70 characters, else ⌈n / 67⌉."""
    n = len(text)
    if n == 0:
        return 0
    return 1 if n <= SEGMENT_CHARS else math.ceil(n / LONG_SEGMENT_CHARS)


def clip(value: str, limit: int = VARIABLE_MAX) -> str:
    value = " ".join(str(value).split())  # no line breaks inside a variable
    return value if len(value) <= limit else value[: limit - 1] + "…"


def values_of(notification) -> dict[str, str]:
    """Every value a template may take from this notification, rendered in the recipient's language:
    the parameters of its subject and body (``Message``), and ``subject``, ``body``, ``url``."""
    values: dict[str, str] = {}
    with translation.override(language_for(notification.recipient)):
        for part in ("subject", "body"):
            data = (notification.message or {}).get(part) or {}
            for name, value in (data.get("p") or {}).items():
                values.setdefault(name, render(value) if isinstance(value, dict) else str(value))
        values["subject"] = notification.subject_text
        values["body"] = notification.body_text
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    values["url"] = f"{site}{notification.url}" if notification.url else ""
    return values


def variables_for(template, notification, *, limit: int = VARIABLE_MAX) -> list[tuple[str, str]]:
    """(name, value) of the template's variables in order, each clipped to the provider's limit."""
    values = values_of(notification)
    return [(name, clip(values.get(name, ""), limit)) for name in template.variables]


_TENCENT_SLOT = re.compile(r"\{(\d+)\}")
_ALIYUN_SLOT = re.compile(r"\$\{(\w+)\}")


def fill(content: str, variables: list[tuple[str, str]]) -> str:
    """The template's text with its variables: Tencent's {1}, {2} … by position, Aliyun's ${name} by name."""
    by_name = dict(variables)
    positional = [value for _name, value in variables]

    def slot(match):
        i = int(match.group(1)) - 1
        return positional[i] if 0 <= i < len(positional) else match.group(0)

    text = _TENCENT_SLOT.sub(slot, content)
    return _ALIYUN_SLOT.sub(lambda m: by_name.get(m.group(1), m.group(0)), text)


def sms_text(*, signature: str, template, notification) -> str:
    """The SMS as the phone shows it: 【signature】 and the template's filled text — or, when the
    template's text was not entered, its variables after the subject (an estimate for the outbox)."""
    variables = variables_for(template, notification)
    if template.content:
        body = fill(template.content, variables)
    else:
        body = " ".join(value for _name, value in variables) or notification.subject_text
    return f"【{signature}】{body}" if signature else body
