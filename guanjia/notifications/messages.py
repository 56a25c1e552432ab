"""Words of a notification kept as a translatable message, so each reader reads it in their language.

A notification is written once and read later, by someone else, in whatever language their page is
in; a phrase rendered at creation stays in the creator's language forever. So ``notify`` takes a
``Message``: the source (Chinese) phrase marked with ``gettext_lazy`` and its parameters. The row
keeps the phrase's key and the parameters as JSON (``Notification.message``) besides the text in
the default language; reading renders the key in the active language (``render``), and a row
without a key (older rows, free text) shows its stored text.

A parameter may itself be translatable (a choice's label, another ``Message``): it is stored as a
key too and translated with the rest. Other values are kept as text (a number, a name, a date
already formatted).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

KEY = "t"  # the source phrase (gettext's msgid)
PARAMS = "p"  # its parameters, by name


class Message:
    """A phrase to be read in the reader's language: ``Message(gettext_lazy("工单 %(number)s 已派给您"),
    number=ticket.number)``. ``str()`` renders it in the active language."""

    def __init__(self, phrase: Promise | str, /, **params):
        self.phrase = phrase
        self.params = params

    def as_json(self) -> dict:
        data = {KEY: key_of(self.phrase)}
        if self.params:
            data[PARAMS] = {name: _encode(value) for name, value in self.params.items()}
        return data

    def __str__(self) -> str:
        return render(self.as_json())

    def __repr__(self) -> str:
        return f"Message({key_of(self.phrase)!r}, {self.params!r})"


def key_of(phrase: Promise | str) -> str:
    """The source phrase of a ``gettext_lazy`` string (its msgid), whatever language is active."""
    if isinstance(phrase, Promise):
        with translation.override(None):  # no catalogue: gettext returns the msgid itself
            return str(phrase)
    return str(phrase)


def _encode(value):
    if isinstance(value, Message):
        return value.as_json()
    if isinstance(value, Promise):
        return {KEY: key_of(value)}
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _decode(value):
    if isinstance(value, dict):
        return render(value)
    return value


def render(data: dict | None, fallback: str = "") -> str:
    """A stored message in the active language; ``fallback`` (the stored text) when there is none
    or it no longer fits its phrase (a parameter renamed since the row was written)."""
    if not data or not data.get(KEY):
        return fallback
    phrase = gettext(data[KEY])
    params = data.get(PARAMS)
    if not params:
        return phrase
    try:
        return phrase % {name: _decode(value) for name, value in params.items()}
    except (KeyError, ValueError, TypeError):
        return fallback


def as_text(value: Message | Promise | str, *, language: str | None = None) -> tuple[str, dict]:
    """(the text in ``language`` — the site's default when not given —, the message to store)."""
    if isinstance(value, Message):
        data = value.as_json()
    elif isinstance(value, Promise):
        data = {KEY: key_of(value)}
    else:
        return str(value), {}
    with translation.override(language or settings.LANGUAGE_CODE):
        return render(data), data


def language_for(user) -> str:
    """The language a message pushed to ``user`` (SMS, WeCom, e-mail) is written in: the person's
    own where one is known, else the site's default (zh-hans)."""
    language = getattr(user, "language", "") or ""
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def label_of(instance, field: str):
    """The translatable label of a choice field's value (``get_<field>_display`` renders it now, in
    the writer's language; this keeps it translatable for the reader)."""
    value = getattr(instance, field)
    labels = dict(instance._meta.get_field(field).flatchoices)
    return labels.get(value, value)
