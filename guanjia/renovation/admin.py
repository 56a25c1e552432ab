from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.renovation.models import Renovation, Violation


@admin.register(Renovation)
class RenovationAdmin(ReadOnlyAdmin):
    """Read-only here: every change goes through the services (console and API)."""

    list_display = ("number", "project", "unit", "applicant_name", "status", "permit_until")
    list_filter = ("status",)
    search_fields = ("number", "applicant_name", "contractor")


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = ("renovation", "kind", "found_at", "rectify_by", "status")
    list_filter = ("kind", "status")
