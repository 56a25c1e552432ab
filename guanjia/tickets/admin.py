"""Service requests in the scoped admin (company administrators only; see ``core.admin.ScopedAdmin``).

The category tree and the paid-services catalogue are edited here. Requests themselves change only
through ``services.ticket_act`` (the console, the API), so the admin shows them read-only.
"""

from django.contrib import admin

from guanjia.core.admin import ScopedAdmin, ScopedInline
from guanjia.tickets.models import PaidService, Ticket, TicketCategory, TicketEvent


@admin.register(TicketCategory)
class TicketCategoryAdmin(ScopedAdmin):
    list_display = ("name", "parent", "is_active", "sort_order")
    list_filter = ("is_active",)
    list_select_related = ("parent",)
    search_fields = ("name",)


@admin.register(PaidService)
class PaidServiceAdmin(ScopedAdmin):
    list_display = ("name", "price", "unit", "category", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("category",)
    search_fields = ("name",)


class TicketEventInline(ScopedInline):
    model = TicketEvent
    fields = ("time", "actor_name", "action", "from_status", "to_status", "note", "internal")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ScopedAdmin):
    """Read-only: every change to a request is an action of the workflow, with its timeline event."""

    list_display = (
        "number",
        "project",
        "kind",
        "status",
        "priority",
        "first_contact",
        "assignee",
        "received_at",
    )
    list_filter = ("status", "kind", "priority", "project")
    list_select_related = ("project", "first_contact", "assignee")
    search_fields = ("=number", "description")
    date_hierarchy = "received_at"
    inlines = [TicketEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
