"""The Django admin, scoped for company administrators.

Every ModelAdmin of a domain model derives from ``ScopedAdmin``: rows come through
``.visible_to(request.user)`` and every permission needs ``Perm.ADMIN``, so the admin can never
show or change more than the web console and the API would. Saves are journaled by the signals
(source "admin", set by the middleware).
"""

from __future__ import annotations

from django.contrib import admin

from guanjia.core.models import ObjectChange
from guanjia.core.roles import Perm
from guanjia.core.scoping import ScopedQuerySet, scope_for, user_can


class ScopedAdmin(admin.ModelAdmin):
    """Rows of the administrator's own company only; only company administrators may use it."""

    # Filled from the request user's scope or derived from a parent; never typed in.
    auto_fields: tuple[str, ...] = ("company",)

    def get_queryset(self, request):
        return self.model._default_manager.visible_to(request.user)

    def _is_admin(self, request) -> bool:
        return user_can(request.user, Perm.ADMIN)

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), *self.auto_fields]

    def _limit(self, db_field, request, kwargs):
        model = db_field.remote_field.model
        manager = model._default_manager
        if isinstance(manager.get_queryset(), ScopedQuerySet):
            kwargs["queryset"] = manager.visible_to(request.user)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._limit(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._limit(db_field, request, kwargs))

    def fill_auto_fields(self, request, obj) -> None:
        """Set what the form does not ask for; subclasses derive ``project`` from a parent."""
        if not obj.pk and hasattr(obj, "company_id"):
            obj.company_id = scope_for(request.user).company_id

    def save_model(self, request, obj, form, change):
        self.fill_auto_fields(request, obj)
        super().save_model(request, obj, form, change)


class DeriveProjectFrom(ScopedAdmin):
    """Rows whose project (and company) follow from a parent row: a unit from its building."""

    parent_field = ""
    auto_fields = ("company", "project")

    def fill_auto_fields(self, request, obj) -> None:
        parent = getattr(obj, self.parent_field)
        obj.company_id = parent.company_id
        obj.project_id = parent.project_id


@admin.register(ObjectChange)
class ObjectChangeAdmin(admin.ModelAdmin):
    """The change journal: read only, the administrator's company only."""

    list_display = ("time", "actor_name", "source", "action", "content_type", "object_repr")
    list_filter = ("source", "action", "content_type")
    search_fields = ("object_repr", "actor_name", "object_id")
    date_hierarchy = "time"
    readonly_fields = [f.name for f in ObjectChange._meta.fields]

    def get_queryset(self, request):
        company_id = scope_for(request.user).company_id
        if company_id is None or not user_can(request.user, Perm.ADMIN):
            return ObjectChange.objects.none()
        return ObjectChange.objects.filter(company_id=company_id).select_related("content_type")

    def has_module_permission(self, request):
        return user_can(request.user, Perm.ADMIN)

    def has_view_permission(self, request, obj=None):
        return user_can(request.user, Perm.ADMIN)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
