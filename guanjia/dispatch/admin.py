"""Dispatch rules in the scoped admin (company administrators only); see ``core.admin.ScopedAdmin``."""

from django.contrib import admin

from guanjia.core.admin import ScopedAdmin
from guanjia.dispatch.models import DispatchRule


@admin.register(DispatchRule)
class DispatchRuleAdmin(ScopedAdmin):
    list_display = ("category", "project", "building", "department", "skill", "priority", "is_active")
    list_filter = ("project", "department", "is_active")
    list_select_related = ("category", "project", "building", "skill")

    def fill_auto_fields(self, request, obj):
        obj.company_id = obj.project.company_id
