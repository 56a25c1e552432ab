"""What apps above estates add to the resident pages of the console.

Estates sits low in the layers, so it never imports the apps that know more about a resident
(residents' accounts and invitations, households). Such an app registers from its
``AppConfig.ready()``:

- a **column** of the resident list, with its filter above the list: ``annotate`` adds the value
  to the list's queryset as ``name`` (one SQL expression, no query per row), ``choices`` are the
  filter's options (the query-string parameter is ``name`` too), ``cell_template`` renders one
  cell from ``resident`` and ``column``; ``tools_template`` (optional) adds buttons above the list;
- a **panel** of a resident's page: ``context(resident, user)`` gives what ``template`` reads, or
  None to show nothing.

Users without ``perm`` see neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from guanjia.core.scoping import user_can


@dataclass(frozen=True)
class ResidentColumn:
    name: str
    label: Promise | str
    annotate: Callable
    choices: Callable[[], list[tuple[str, str]]]
    cell_template: str
    tools_template: str = ""
    perm: str | None = None


@dataclass(frozen=True)
class ResidentPanel:
    name: str
    template: str
    context: Callable
    perm: str | None = None


_columns: dict[str, ResidentColumn] = {}
_panels: dict[str, ResidentPanel] = {}


def register_resident_column(column: ResidentColumn) -> None:
    """Add a column (the same name again replaces it: ``ready()`` may run twice)."""
    _columns[column.name] = column


def register_resident_panel(panel: ResidentPanel) -> None:
    _panels[panel.name] = panel


def resident_columns(user) -> list[ResidentColumn]:
    return [c for c in _columns.values() if c.perm is None or user_can(user, c.perm)]


def resident_panels(user) -> list[ResidentPanel]:
    return [p for p in _panels.values() if p.perm is None or user_can(user, p.perm)]
