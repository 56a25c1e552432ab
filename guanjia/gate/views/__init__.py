"""The console's gate pages: the guard's phone page (scan a pass, check a plate), walk-ins, the log,
temporary vehicles, vehicles and parking spaces, the blacklist, access cards and the gates.
Thin: the selectors read, the services write.

The pages live in modules by sub-domain (``passes``, ``vehicles``, ``cards``); their names are
re-exported here for ``gate.urls``."""

from guanjia.gate.views.cards import card_act, card_new, cards, gate_token, gates
from guanjia.gate.views.passes import guard, log, pass_act, walk_in
from guanjia.gate.views.vehicles import (
    blacklist,
    blacklist_new,
    blacklist_remove,
    space_new,
    space_release,
    space_rent,
    spaces,
    temporary,
    temporary_enter,
    temporary_exit,
    vehicle_delete,
    vehicle_new,
    vehicles,
)

__all__ = [
    "blacklist",
    "blacklist_new",
    "blacklist_remove",
    "card_act",
    "card_new",
    "cards",
    "gate_token",
    "gates",
    "guard",
    "log",
    "pass_act",
    "space_new",
    "space_release",
    "space_rent",
    "spaces",
    "temporary",
    "temporary_enter",
    "temporary_exit",
    "vehicle_delete",
    "vehicle_new",
    "vehicles",
    "walk_in",
]
