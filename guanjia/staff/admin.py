"""Staff in the scoped admin (company administrators only); see ``core.admin.ScopedAdmin``."""

from django.contrib import admin

from guanjia.core.admin import ScopedAdmin
from guanjia.staff.models import DutyShift, Skill, StaffMember


@admin.register(StaffMember)
class StaffMemberAdmin(ScopedAdmin):
    list_display = ("name", "employee_no", "department", "position")
    list_filter = ("department",)
    search_fields = ("name", "employee_no")
    # The login and the roles change through the console's staff pages (``staff.services``),
    # which keep the account and the admin flag in step.
    auto_fields = ("company", "user")

    def has_add_permission(self, request):
        return False


@admin.register(DutyShift)
class DutyShiftAdmin(ScopedAdmin):
    list_display = ("staff", "project", "weekday", "starts_at", "ends_at")
    list_filter = ("project", "weekday")
    list_select_related = ("staff", "project")

    def fill_auto_fields(self, request, obj):
        obj.company_id = obj.project.company_id


@admin.register(Skill)
class SkillAdmin(ScopedAdmin):
    list_display = ("name",)
    search_fields = ("name",)
