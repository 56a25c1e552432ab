"""Panels that apps above facilities add to an item's page (the phone page its QR label opens).

Facilities sits below emergencies in the layers, so it never imports that app (nor any other app
above it). An app that keeps records about an item of the ledger — emergencies lists the incidents
the item was involved in — registers a panel here from its ``AppConfig.ready()``; the item's page
shows every registered panel the user may see, in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from guanjia.core.scoping import user_can


@dataclass(frozen=True)
class EquipmentPanel:
    """One panel of an item's page. ``rows(equipment, user)`` gives what it lists; the page puts
    them in its context under ``name`` and includes ``template``, which reads them from there.
    Users without ``perm`` do not see the panel at all (and ``rows`` is not called for them)."""

    name: str
    template: str
    rows: Callable[..., list]
    perm: str | None = None


_panels: dict[str, EquipmentPanel] = {}


def register_equipment_panel(panel: EquipmentPanel) -> None:
    """Add a panel; registering one under the same name again replaces it (``ready()`` may run twice)."""
    _panels[panel.name] = panel


def equipment_panels(user) -> list[EquipmentPanel]:
    """The registered panels ``user`` may see, in the order registered."""
    return [p for p in _panels.values() if p.perm is None or user_can(user, p.perm)]
