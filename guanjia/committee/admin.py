"""The committee's records in the admin: shown, never changed there (every change goes through services)."""

from django.contrib import admin

from guanjia.committee.models import Ballot, CommitteeMember, Meeting, Resolution, Suggestion, Vote
from guanjia.core.admin import ReadOnlyAdmin


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    list_display = ("resident", "project", "role", "term_start", "term_end")


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "held_at")


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "status", "due_at")
    list_filter = ("status",)


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "status", "starts_at", "ends_at", "passed")
    list_filter = ("status",)


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ("vote", "unit", "choice", "channel", "cast_by", "recorded_by", "cast_at")


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ("project", "resident", "status", "submitted_at", "due_at")
    list_filter = ("status",)
