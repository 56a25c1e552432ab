"""Every write of rotas goes through these functions (one module per sub-domain)."""

from guanjia.rotas.services.clocking import clock, mark_absent, shift_correct
from guanjia.rotas.services.cover import flag_cover_gaps
from guanjia.rotas.services.planning import rota_copy_week, shift_assign, shift_remove
from guanjia.rotas.services.setup import (
    pattern_create,
    pattern_update,
    post_create,
    post_new_qr,
    post_update,
    rule_set,
)
from guanjia.rotas.services.swaps import swap_approve, swap_reject, swap_request

__all__ = [
    "clock",
    "flag_cover_gaps",
    "mark_absent",
    "pattern_create",
    "pattern_update",
    "post_create",
    "post_new_qr",
    "post_update",
    "rota_copy_week",
    "rule_set",
    "shift_assign",
    "shift_correct",
    "shift_remove",
    "swap_approve",
    "swap_reject",
    "swap_request",
]
