"""Warnings the console shows at the top of every page, gathered from the apps that know them.

``core`` knows no domain app: an app registers a function ``notices(user) -> list[Notice]`` (in its
AppConfig.ready) and the page chrome shows what they return. Each source must be cheap — it runs on
every console page — so sources answer from the shared cache and drop it when the answer changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    level: str  # a Bootstrap alert colour: info, warning, danger
    text: str
    url: str = ""
    link_text: str = ""


_SOURCES: dict[str, Callable[..., list[Notice]]] = {}


def register_console_notice(name: str, source: Callable[..., list[Notice]]) -> None:
    _SOURCES[name] = source


def notices_for(user) -> list[Notice]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    found: list[Notice] = []
    for _name, source in sorted(_SOURCES.items()):
        found.extend(source(user))
    return found
