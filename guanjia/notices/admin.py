"""Notices in the admin: shown, never changed there (publishing, reads and cards go through services)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.notices.models import Notice, NoticeRead, ServiceCard


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "project", "building", "status", "published_at", "pinned")
    list_filter = ("kind", "status")
    search_fields = ("title",)


@admin.register(NoticeRead)
class NoticeReadAdmin(ReadOnlyAdmin):
    list_display = ("notice", "unit", "resident", "read_at")


@admin.register(ServiceCard)
class ServiceCardAdmin(ReadOnlyAdmin):
    list_display = ("staff", "title", "phone", "hours", "shown")
