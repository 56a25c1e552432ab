"""REST API of the gate (``/api/v1/gate/…``): visitor passes, the guard's scan, check-in and out,
walk-ins, the log, vehicles, parking spaces and the tariff, temporary vehicles, the blacklist, access
cards — and the hardware interface (``/gate/device/…``, authenticated by the gate's device token in
the ``X-Gate-Token`` header). Thin: the same selectors and services as the console and the portal.

One router, its operations in modules by sub-domain: ``passes`` (visitor passes, the scan, the log),
``vehicles`` (vehicles, parking, the tariff, temporary vehicles, the blacklist) and ``cards`` (gates,
access cards, the hardware interface)."""

from guanjia.gate.api import cards, passes, vehicles  # noqa: F401  (each registers its operations)
from guanjia.gate.api.common import router

__all__ = ["router"]
