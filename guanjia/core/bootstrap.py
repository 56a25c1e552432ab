"""What a new company starts with, gathered from the apps that own it.

``core`` knows no domain app, so each app registers its own "starter" here (in its AppConfig.ready):
a function ``starter(company)`` that gives the company that app's defaults — the category tree, the
service calendar and deadline policies, the default checklist, the emergency plans… Every starter is
idempotent (running it twice gives nothing new), so the same list serves a brand-new company, an
upgrade that adds a new app's defaults, and a re-run after a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Starter:
    name: str
    ensure: Callable[..., object]
    order: int


_STARTERS: dict[str, Starter] = {}


def register_company_starter(name: str, ensure: Callable[..., object], *, order: int = 50) -> None:
    """Register ``ensure(company)``; lower ``order`` runs first (an app's defaults may need a lower app's)."""
    _STARTERS[name] = Starter(name=name, ensure=ensure, order=order)


def company_starters() -> list[Starter]:
    return sorted(_STARTERS.values(), key=lambda s: (s.order, s.name))


def run_company_starters(company) -> list[str]:
    """Give ``company`` every app's defaults, in order; returns the starters' names as run."""
    names = []
    for starter in company_starters():
        starter.ensure(company=company)
        names.append(starter.name)
    return names
