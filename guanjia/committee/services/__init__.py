"""Every write of the committee app (``committee`` members, meetings, resolutions; ``votes``;
``suggestions``), re-exported so that ``from guanjia.committee import services`` reaches all."""

from guanjia.committee.services.committee import (
    meeting_attach,
    meeting_create,
    meeting_update,
    member_add,
    member_update,
    resolution_confirm,
    resolution_create,
    resolution_done,
)
from guanjia.committee.services.suggestions import suggestion_answer, suggestion_submit
from guanjia.committee.services.votes import (
    ballot_cast,
    ballot_record,
    vote_close,
    vote_create,
    vote_open,
    vote_update,
)

__all__ = [
    "ballot_cast",
    "ballot_record",
    "meeting_attach",
    "meeting_create",
    "meeting_update",
    "member_add",
    "member_update",
    "resolution_confirm",
    "resolution_create",
    "resolution_done",
    "suggestion_answer",
    "suggestion_submit",
    "vote_close",
    "vote_create",
    "vote_open",
    "vote_update",
]
