"""The owners' side of an estate: the owners' committee (业主委员会: members, meetings, resolutions),
owners' votes (业主表决: a frozen electorate, one ballot per unit, the Civil Code art. 278 result)
and the suggestion box (意见箱). See docs/committee.md."""

from guanjia.committee.models.committee import (
    CommitteeMember,
    Meeting,
    MeetingFile,
    Resolution,
    ResolutionEscalation,
)
from guanjia.committee.models.suggestions import Suggestion, SuggestionEscalation
from guanjia.committee.models.votes import Ballot, Vote, VoteElector, VoteVoter

__all__ = [
    "Ballot",
    "CommitteeMember",
    "Meeting",
    "MeetingFile",
    "Resolution",
    "ResolutionEscalation",
    "Suggestion",
    "SuggestionEscalation",
    "Vote",
    "VoteElector",
    "VoteVoter",
]
