from django.contrib import admin

from guanjia.handover.models import Appointment, ChecklistLine, ReadyUnit, Takeover


@admin.register(ChecklistLine, ReadyUnit, Appointment, Takeover)
class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: every change goes through ``services`` (the pages and the API; a project's own
    checklist through ``PUT /api/v1/handover-checklists/{project_id}/{kind}``)."""

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
