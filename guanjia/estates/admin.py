"""Estates in the scoped admin (company administrators only); see ``core.admin.ScopedAdmin``."""

from django.contrib import admin

from guanjia.core.admin import DeriveProjectFrom, ScopedAdmin
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = ("name", "code", "kind", "city", "service_phone")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ("name", "project", "floors_above", "floors_below")
    list_filter = ("project",)
    list_select_related = ("project",)
    search_fields = ("name",)

    def fill_auto_fields(self, request, obj):
        obj.company_id = obj.project.company_id


@admin.register(Unit)
class UnitAdmin(DeriveProjectFrom):
    parent_field = "building"
    list_display = ("number", "building", "project", "floor", "area", "status")
    list_filter = ("status", "project")
    list_select_related = ("building", "project")
    search_fields = ("number",)


@admin.register(Resident)
class ResidentAdmin(ScopedAdmin):
    list_display = ("name", "project", "contact_preference")
    list_filter = ("project",)
    list_select_related = ("project",)
    search_fields = ("name", "=phone")

    def fill_auto_fields(self, request, obj):
        obj.company_id = obj.project.company_id


@admin.register(Occupancy)
class OccupancyAdmin(DeriveProjectFrom):
    parent_field = "unit"
    list_display = ("resident", "unit", "relation", "start_on", "end_on")
    list_filter = ("relation", "project")
    list_select_related = ("resident", "unit__building")
    # Searched, not listed: a company has hundreds of thousands of units.
    autocomplete_fields = ("resident", "unit")
