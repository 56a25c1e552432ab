"""The Django admin, scoped for company administrators.

Every ModelAdmin and inline of a domain model uses ``CompanyScoped`` (through ``ScopedAdmin``,
``ReadOnlyAdmin`` or ``ScopedInline``): its rows come through ``.visible_to(request.user)``, and so do
the choices of every foreign key and many-to-many field, every related list filter and every
autocomplete; a related model that is not scoped by ``visible_to`` but has a company (accounts) is
cut to the administrator's company. Every permission needs ``Perm.ADMIN``. So the admin never shows
or accepts more than the web console and the API would. Saves are journaled by the signals (source
"admin", set by the middleware).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path

from guanjia.core.models import ObjectChange
from guanjia.core.roles import Perm
from guanjia.core.scoping import ScopedQuerySet, scope_for, user_can


def rows_for(model, user):
    """The rows of ``model`` a company administrator may see or pick: the one scoping rule, or the
    company for a model outside it (accounts); models of no company (content types) as they are."""
    manager = model._default_manager
    if isinstance(manager.all(), ScopedQuerySet):
        return manager.visible_to(user)
    if any(f.name == "company" for f in model._meta.concrete_fields):
        company_id = scope_for(user).company_id
        return manager.filter(company_id=company_id) if company_id else manager.none()
    return manager.all()


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A related list filter offering only the rows the administrator may see (Django's lists every
    row of the related table, of every company)."""

    def field_choices(self, field, request, model_admin):
        rows = rows_for(field.remote_field.model, request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            rows = rows.order_by(*ordering)
        to_field = field.remote_field.get_related_field().attname
        return [(getattr(row, to_field), str(row)) for row in rows]


class CompanyScoped:
    """What every ModelAdmin and inline of the console's admin shares: scoped rows and choices, and
    company administrators only."""

    def get_queryset(self, request):
        return rows_for(self.model, request.user)

    def _is_admin(self, request) -> bool:
        return user_can(request.user, Perm.ADMIN)

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request, *args):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", rows_for(db_field.remote_field.model, request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", rows_for(db_field.remote_field.model, request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        scoped = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and get_fields_from_path(self.model, entry)[-1].is_relation:
                entry = (entry, ScopedRelatedFilter)
            scoped.append(entry)
        return scoped


class ScopedAdmin(CompanyScoped, admin.ModelAdmin):
    """Rows of the administrator's own company only; only company administrators may use it."""

    # Filled from the request user's scope or derived from a parent; never typed in.
    auto_fields: tuple[str, ...] = ("company",)

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), *self.auto_fields]

    def fill_auto_fields(self, request, obj) -> None:
        """Set what the form does not ask for; subclasses derive ``project`` from a parent."""
        if not obj.pk and hasattr(obj, "company_id"):
            obj.company_id = scope_for(request.user).company_id

    def save_model(self, request, obj, form, change):
        self.fill_auto_fields(request, obj)
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(ScopedAdmin):
    """Records that change only through the console and the API (their services check who may);
    the admin shows them."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline(CompanyScoped, admin.TabularInline):
    """A table of child rows on a scoped admin page."""


class DeriveProjectFrom(ScopedAdmin):
    """Rows whose project (and company) follow from a parent row: a unit from its building."""

    parent_field = ""
    auto_fields = ("company", "project")

    def fill_auto_fields(self, request, obj) -> None:
        parent = getattr(obj, self.parent_field)
        obj.company_id = parent.company_id
        obj.project_id = parent.project_id


@admin.register(ObjectChange)
class ObjectChangeAdmin(ReadOnlyAdmin):
    """The change journal: read only, the administrator's company only."""

    list_display = ("time", "actor_name", "source", "action", "content_type", "object_repr")
    list_filter = ("source", "action", "content_type")
    search_fields = ("object_repr", "actor_name", "object_id")
    date_hierarchy = "time"
    readonly_fields = [f.name for f in ObjectChange._meta.fields]
    list_select_related = ("content_type",)
