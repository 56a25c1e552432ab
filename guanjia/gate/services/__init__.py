"""Every write of the gate. Keyword-only, one transaction each (``@service``), permission first.

- ``passes``: visitor passes (a resident's invitation, a walk-in), check-in and out at a gate.
- ``vehicles``: the vehicle register, parking spaces and their rent through billing, the tariff,
  temporary vehicles and their fee, the blacklist.
- ``cards``: access cards, their revocation (move-out hook, daily job) and the guard's deactivation.
- ``devices``: the gate hardware's token, allow-lists and events.
- ``common``: the present (``_now``, the clock seam), plates, the gate named in input, the log.
"""

from guanjia.gate.services.cards import (
    card_deactivated,
    card_issue,
    card_revoke,
    revoke_due_cards,
    revoke_on_move_out,
)
from guanjia.gate.services.devices import (
    allow_lists,
    device_event,
    gate_create,
    gate_for_token,
    gate_issue_device_token,
)
from guanjia.gate.services.passes import (
    pass_by_token,
    pass_check_in,
    pass_check_out,
    pass_create,
    pass_revoke,
    walk_in_register,
)
from guanjia.gate.services.vehicles import (
    blacklist_add,
    blacklist_remove,
    blacklisted,
    fee_now,
    resident_vehicle,
    space_create,
    space_release,
    space_rent,
    tariff_for,
    tariff_set,
    temporary_enter,
    temporary_exit,
    vehicle_create,
    vehicle_delete,
    vehicle_update,
)

__all__ = [
    "allow_lists",
    "blacklist_add",
    "blacklist_remove",
    "blacklisted",
    "card_deactivated",
    "card_issue",
    "card_revoke",
    "device_event",
    "fee_now",
    "gate_create",
    "gate_for_token",
    "gate_issue_device_token",
    "pass_by_token",
    "pass_check_in",
    "pass_check_out",
    "pass_create",
    "pass_revoke",
    "resident_vehicle",
    "revoke_due_cards",
    "revoke_on_move_out",
    "space_create",
    "space_release",
    "space_rent",
    "tariff_for",
    "tariff_set",
    "temporary_enter",
    "temporary_exit",
    "vehicle_create",
    "vehicle_delete",
    "vehicle_update",
    "walk_in_register",
]
