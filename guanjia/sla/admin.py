from django.contrib import admin

from guanjia.sla.models import Calendar, CalendarDay, Escalation, SlaPolicy, TicketDeadline


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0
    fields = ["date", "is_working", "note"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "kind", "work_starts", "work_ends", "workdays"]
    list_filter = ["company", "kind"]
    inlines = [CalendarDayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "project", "category", "priority", "kind", "is_active"]
    list_filter = ["company", "is_active"]
    raw_id_fields = ["project", "category"]


@admin.register(TicketDeadline)
class TicketDeadlineAdmin(admin.ModelAdmin):
    list_display = ["ticket", "stage", "round", "due_at", "done_at", "escalation_step"]
    list_filter = ["stage"]
    raw_id_fields = ["ticket", "policy"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["ticket", "deadline", "step", "threshold", "happened_at"]
    raw_id_fields = ["ticket", "deadline"]
