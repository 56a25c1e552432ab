"""Deadlines in the scoped admin (company administrators only; see ``core.admin.ScopedAdmin``).

Policies and calendars are edited on the console's SLA settings pages, deadlines and escalations are
facts the request's clocks write; the admin shows them, read-only.
"""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin, ScopedInline
from guanjia.sla.models import Calendar, CalendarDay, Escalation, SlaPolicy, TicketDeadline


class CalendarDayInline(ScopedInline):
    model = CalendarDay
    extra = 0
    fields = ["date", "is_working", "note"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Calendar)
class CalendarAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "work_starts", "work_ends", "workdays"]
    list_filter = ["kind"]
    inlines = [CalendarDayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyAdmin):
    list_display = ["name", "project", "category", "priority", "kind", "is_active"]
    list_filter = ["project", "is_active"]
    list_select_related = ["project", "category"]


@admin.register(TicketDeadline)
class TicketDeadlineAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "stage", "round", "due_at", "done_at", "escalation_step"]
    list_filter = ["stage"]
    list_select_related = ["ticket"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "deadline", "step", "threshold", "happened_at"]
    list_select_related = ["ticket", "deadline"]
