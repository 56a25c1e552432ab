"""Panels that apps above facilities add to the costs page (``facilities:costs``).

Facilities never imports the apps above it. An app that keeps costs facilities should show — the
stores keep the parts issued to maintenance tasks and repair requests — registers a panel here from
its ``AppConfig.ready()``; the costs page calls ``rows(user, year=, project_id=)`` of every panel
the user may see and includes its ``template`` with them as ``panel_rows``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from guanjia.core.scoping import user_can


@dataclass(frozen=True)
class CostPanel:
    name: str
    template: str
    rows: Callable[..., list]
    perm: str | None = None


_panels: dict[str, CostPanel] = {}


def register_cost_panel(panel: CostPanel) -> None:
    """Add a panel; registering under the same name again replaces it (``ready()`` may run twice)."""
    _panels[panel.name] = panel


def cost_panels(user, *, year: int | None, project_id: int | None) -> list[tuple[CostPanel, list]]:
    """The panels ``user`` may see with their rows, in the order registered."""
    return [
        (p, p.rows(user, year=year, project_id=project_id))
        for p in _panels.values()
        if p.perm is None or user_can(user, p.perm)
    ]
