"""Rotas in the admin: shown, never changed there (planning and attendance go through services)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.rotas.models import (
    AttendanceCorrection,
    AttendanceRule,
    CoverAlert,
    Post,
    Shift,
    ShiftPattern,
    SwapRequest,
)


@admin.register(ShiftPattern)
class ShiftPatternAdmin(ReadOnlyAdmin):
    list_display = ("name", "starts_at", "ends_at", "is_active")


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "department", "min_cover", "is_active")
    exclude = ("qr_token",)


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ("date", "post", "pattern", "staff", "status", "clock_in_at", "clock_out_at")


@admin.register(SwapRequest)
class SwapRequestAdmin(ReadOnlyAdmin):
    list_display = ("shift", "requester", "taker", "status", "decided_at")


@admin.register(CoverAlert)
class CoverAlertAdmin(ReadOnlyAdmin):
    list_display = ("post", "pattern", "date", "step", "have", "need", "happened_at")


@admin.register(AttendanceCorrection)
class AttendanceCorrectionAdmin(ReadOnlyAdmin):
    list_display = ("shift", "reason", "corrected_by", "created_at")


@admin.register(AttendanceRule)
class AttendanceRuleAdmin(ReadOnlyAdmin):
    list_display = ("company", "grace_minutes", "early_minutes")
