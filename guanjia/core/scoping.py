"""Who sees what — the one place it is decided.

``Model.objects.visible_to(user)`` is the only way views, the API, the admin, exports and
imports fetch domain records. The rules:

- HQ staff (24-hour centre, quality, administrators) see every project of their company;
- other staff see the projects they serve;
- residents see only their own units and what hangs off them;
- nobody sees another company's rows. Out-of-scope and missing look the same (404).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db import connection, models


@dataclass(frozen=True)
class Scope:
    company_id: int | None
    is_hq: bool
    project_ids: frozenset[int]
    resident_id: int | None
    roles: frozenset[str]
    permissions: frozenset[str]
    staff_id: int | None = None

    @property
    def is_resident(self) -> bool:
        return self.resident_id is not None

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    @property
    def is_external_auditor(self) -> bool:
        """Only third-party auditor roles: such an account sees nothing but what quality opens to it."""
        from guanjia.core.roles import Role

        return bool(self.roles) and self.roles <= {Role.EXTERNAL_AUDITOR}


NOBODY = Scope(None, False, frozenset(), None, frozenset(), frozenset())


# Every request needs the scope; computing it is three queries (member, roles, projects). It is kept
# in the shared cache (Redis in production, so every app server sees the same), dropped by the
# signals below whenever a member, a role, a project assignment or a resident link changes, and
# expires anyway after a few minutes as a safety net.
SCOPE_CACHE_SECONDS = 300


def _scope_key(user_id: int) -> str:
    return f"guanjia:scope:{user_id}"


def scope_for(user) -> Scope:
    """The user's scope: on the user object for the request, in the shared cache between requests."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_guanjia_scope", None)
    if cached is not None:
        return cached
    scope = _cached_scope(user)
    if scope is None:
        scope = _compute_scope(user)
        # Not from inside a transaction: it may hold a role change that is later rolled back.
        if not connection.in_atomic_block:
            cache.set(_scope_key(user.pk), scope, SCOPE_CACHE_SECONDS)
    user._guanjia_scope = scope
    return scope


def _cached_scope(user) -> Scope | None:
    from guanjia.core.roles import permissions_for

    scope = cache.get(_scope_key(user.pk))
    if not isinstance(scope, Scope) or scope.company_id != user.company_id:
        return None
    # Permissions come from the code's table, not the cache, so a deploy that changes it applies at once.
    return replace(scope, permissions=permissions_for(scope.roles))


def forget_scope(user) -> None:
    """Call after changing a user's roles or projects within the same request."""
    if hasattr(user, "_guanjia_scope"):
        del user._guanjia_scope
    forget_cached_scope(user.pk)


def forget_cached_scope(user_id: int | None) -> None:
    if user_id is not None:
        drop_shared([_scope_key(user_id)])


def drop_shared(keys: list[str]) -> None:
    """Drop copies kept in the shared cache now and again after commit (a reader may re-cache the
    old rows meanwhile)."""
    if not keys:
        return
    cache.delete_many(keys)
    if connection.in_atomic_block:
        connection.on_commit(lambda: cache.delete_many(keys))


def _compute_scope(user) -> Scope:
    from guanjia.core.roles import HQ_ROLES, Role, permissions_for
    from guanjia.estates.models import Resident
    from guanjia.staff.models import StaffMember

    if user.company_id is None:
        return NOBODY
    member = (
        StaffMember.objects.filter(user=user, deleted_at__isnull=True)
        .prefetch_related("roles", "projects")
        .first()
    )
    if member is not None and member.company_id == user.company_id:
        roles = frozenset(r.role for r in member.roles.all())
        return Scope(
            company_id=user.company_id,
            is_hq=bool(roles & HQ_ROLES),
            project_ids=frozenset(p.id for p in member.projects.all()),
            resident_id=None,
            roles=roles,
            permissions=permissions_for(roles),
            staff_id=member.id,
        )
    resident_id = (
        Resident.objects.filter(user=user, company_id=user.company_id, deleted_at__isnull=True)
        .values_list("id", flat=True)
        .first()
    )
    if resident_id is not None:
        roles = frozenset({Role.RESIDENT})
        return Scope(user.company_id, False, frozenset(), resident_id, roles, permissions_for(roles))
    return NOBODY


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every tenant-owned model.

    A model says where its company and project live (``scope_company_field``,
    ``scope_project_field``); a model that residents may see overrides ``for_resident``.
    """

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.company_id is None:
            return self.none()
        model = self.model
        if scope.is_external_auditor and not getattr(model, "external_auditor_visible", False):
            # A third-party auditor sees the audits of the projects it is given and nothing else.
            return self.none()
        qs = self.filter(**{model.scope_company_field: scope.company_id})
        if any(f.name == "deleted_at" for f in model._meta.concrete_fields):
            qs = qs.filter(deleted_at__isnull=True)
        if scope.is_resident:
            return qs.for_resident(scope)
        if scope.is_hq:
            return qs
        return qs.for_projects(scope.project_ids)

    def for_projects(self, project_ids):
        field = self.model.scope_project_field
        if field is None:
            return self
        return self.filter(**{f"{field}__in": project_ids})

    def for_resident(self, scope: Scope):
        return self.none()


def connect_scope_signals() -> None:
    """Forget a user's cached scope whenever something it is computed from changes."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from guanjia.estates.models import Resident
    from guanjia.staff.models import StaffMember, StaffRole

    def by_user(sender, instance, **kwargs):
        forget_cached_scope(getattr(instance, "user_id", None))

    def by_self(sender, instance, **kwargs):
        forget_cached_scope(instance.pk)

    def by_staff(sender, instance, **kwargs):
        forget_cached_scope(
            StaffMember.objects.filter(pk=instance.staff_id).values_list("user_id", flat=True).first()
        )

    def by_projects(sender, instance, **kwargs):
        if isinstance(instance, StaffMember):
            forget_cached_scope(instance.user_id)
        else:  # from the project's side: the members named, and everyone on it (before and after a clear)
            members = StaffMember.objects.filter(
                pk__in=kwargs.get("pk_set") or ()
            ) | StaffMember.objects.filter(projects=instance)
            for user_id in members.values_list("user_id", flat=True):
                forget_cached_scope(user_id)

    for model, receiver in (
        (StaffMember, by_user),
        (Resident, by_user),
        (get_user_model(), by_self),
        (StaffRole, by_staff),
    ):
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"scope-save-{model._meta.label}")
        post_delete.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"scope-delete-{model._meta.label}"
        )
    m2m_changed.connect(
        by_projects, sender=StaffMember.projects.through, weak=False, dispatch_uid="scope-projects"
    )
