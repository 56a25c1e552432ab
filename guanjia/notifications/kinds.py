"""What a notification is about, as one stable name: ``ticket.dispatched``, ``residents.invitation``.

A kind is what a channel that needs registered templates maps from: a Chinese SMS may only carry a
text the provider approved beforehand (a signature and a template per kind of message), and a WeChat
template message likewise names its template. Each app registers the kinds it sends, with the
parameters the kind offers to a template (the ``Message`` parameters of its subject and body, plus
``url`` — always offered), from its ``AppConfig.ready()``::

    register_kind("billing.reminder", _("催缴通知"), params=("unit", "amount", "month"))

``notify(kind=…)`` records the kind on every row it writes; a kind that was not registered is
refused, so a typo cannot silently escape the template check.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

# Every kind offers these, whatever its message's parameters are.
COMMON_PARAMS: tuple[str, ...] = ("subject", "url")


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise | str
    params: tuple[str, ...] = ()
    # True: sent on every channel the person has whatever they chose (the emergency chain).
    urgent: bool = False

    @property
    def offered(self) -> tuple[str, ...]:
        """The names a template's variables may be filled from."""
        return tuple(dict.fromkeys((*self.params, *COMMON_PARAMS)))


_KINDS: dict[str, Kind] = {}

# Rows written before kinds existed, or by code that names none.
GENERAL = "general"


def register_kind(
    key: str, label: Promise | str, *, params: tuple[str, ...] = (), urgent: bool = False
) -> Kind:
    """Declare a kind of notification (idempotent for the same definition)."""
    kind = Kind(key, label, tuple(params), urgent)
    existing = _KINDS.get(key)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {key!r} registered twice with different definitions")
    _KINDS[key] = kind
    return kind


def kind_of(key: str) -> Kind:
    """The registered kind; ``LookupError`` for an unknown one."""
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"unknown notification kind {key!r}: register it with register_kind") from None


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: k.key)


register_kind(GENERAL, "通知")
