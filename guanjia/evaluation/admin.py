"""Staff evaluation in the scoped admin (company administrators only): shown, never changed there."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.evaluation.models import RankingSheet, StaffAward, TrainingRecord

# Evaluation records change only through the console and the API (``evaluation.services``: who may
# publish, remark or award is checked there); the admin shows them.


@admin.register(RankingSheet)
class RankingSheetAdmin(ReadOnlyAdmin):
    list_display = ("quarter", "project", "status", "published_at")
    list_filter = ("status", "quarter")
    list_select_related = ("project",)


@admin.register(StaffAward)
class StaffAwardAdmin(ReadOnlyAdmin):
    list_display = ("period", "project", "kind", "staff")
    list_filter = ("kind", "period")
    list_select_related = ("project", "staff")


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ("trained_on", "staff", "course", "hours", "result")
    list_filter = ("result",)
    search_fields = ("course", "staff__name")
    list_select_related = ("staff",)
