"""Every write of events, re-exported: planning (``planning``), households' sign-ups, the door and the
evaluation (``signups``)."""

from guanjia.events.services.common import clean_token, new_token
from guanjia.events.services.planning import (
    event_cancel,
    event_close,
    event_create,
    event_evaluate,
    event_held,
    event_publish,
    event_update,
    notice_body,
)
from guanjia.events.services.signups import (
    event_rate,
    promote,
    seats_taken,
    signup_cancel,
    signup_check_in,
    signup_create,
    waiting_position,
    walk_in_add,
)

__all__ = [
    "clean_token",
    "event_cancel",
    "event_close",
    "event_create",
    "event_evaluate",
    "event_held",
    "event_publish",
    "event_rate",
    "event_update",
    "new_token",
    "notice_body",
    "promote",
    "seats_taken",
    "signup_cancel",
    "signup_check_in",
    "signup_create",
    "waiting_position",
    "walk_in_add",
]
