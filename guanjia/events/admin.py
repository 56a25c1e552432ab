"""Events in the admin: shown, never changed there (every change goes through services)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.events.models import Event, EventRating, EventSignup


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "project", "starts_at", "capacity", "status")
    list_filter = ("kind", "status")
    search_fields = ("title",)


@admin.register(EventSignup)
class EventSignupAdmin(ReadOnlyAdmin):
    list_display = ("event", "unit", "name", "people", "status", "checked_in_at")
    list_filter = ("status", "walk_in")


@admin.register(EventRating)
class EventRatingAdmin(ReadOnlyAdmin):
    list_display = ("event", "unit", "stars", "created_at")
