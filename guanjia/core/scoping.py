"""Who sees what — the one place it is decided.

``Model.objects.visible_to(user)`` is the only way views, the API, the admin, exports and
imports fetch domain records. The rules:

- HQ staff (24-hour centre, quality, administrators) see every project of their company;
- other staff see the projects they serve;
- residents see only their own units and what hangs off them;
- nobody sees another company's rows. Out-of-scope and missing look the same (404).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, models
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from guanjia.core.errors import NotAllowed
from guanjia.core.roles import Perm, Role, permissions_for


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


def user_can(user, perm: str) -> bool:
    return perm in scope_for(user).permissions


def require(user, perm: str) -> None:
    """Raise ``NotAllowed`` (403) unless the user's roles grant ``perm``."""
    if not user_can(user, perm):
        raise NotAllowed(_("您没有权限执行此操作：%(perm)s") % {"perm": Perm(perm).label})


def _cached_scope(user) -> Scope | None:
    return _usable(user, cache.get(_scope_key(user.pk)))


def _usable(user, scope) -> Scope | None:
    if not isinstance(scope, Scope) or scope.company_id != user.company_id:
        return None
    # Permissions come from the code's table, not the cache, so a deploy that changes it applies at once.
    return replace(scope, permissions=permissions_for(scope.roles))


def scope_cache_key(user_id: int) -> str:
    """Where the user's scope is kept in the shared cache: for a caller that reads it together
    with its own keys in one round trip, then hands it over (``adopt_cached_scope``)."""
    return _scope_key(user_id)


def adopt_cached_scope(user, value) -> None:
    """The value found at ``scope_cache_key(user.pk)`` is the user's scope for this request, if
    it is one that ``scope_for`` would take from the cache."""
    if not getattr(user, "is_active", False):
        return
    scope = _usable(user, value)
    if scope is not None:
        user._guanjia_scope = scope


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


# Where a scope comes from is domain knowledge (a staff member's roles and projects, a resident's
# units), so the apps that own those records register a source here from their AppConfig.ready():
# the foundation asks them in order and knows none of them.
ScopeSource = Callable[[Any], "Scope | None"]
_scope_sources: dict[str, tuple[int, ScopeSource]] = {}


def register_scope_source(name: str, source: ScopeSource, *, order: int) -> None:
    """Add (or replace) a source of scopes; the first source, by ``order``, that knows the user wins."""
    _scope_sources[name] = (order, source)


def _compute_scope(user) -> Scope:
    if user.company_id is None:
        return NOBODY
    for _order, source in sorted(_scope_sources.values(), key=lambda pair: pair[0]):
        scope = source(user)
        if scope is not None and scope.company_id == user.company_id:
            return scope
    return NOBODY


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every tenant-owned model.

    A model says where its company and project live (``scope_company_field``,
    ``scope_project_field``); a model that residents may see overrides ``for_resident``.
    """

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.is_external_auditor and not getattr(self.model, "external_auditor_visible", False):
            # A third-party auditor sees the audits of the projects it is given and nothing else.
            return self.none()
        return self.within_scope(user)

    def within_scope(self, user):
        """The rows the user's scope reaches (company, projects, units), without ``visible_to``'s
        one exception for third-party auditors: says *which* projects a scope covers (``/me``),
        never fetches rows to show."""
        scope = scope_for(user)
        if scope.company_id is None:
            return self.none()
        model = self.model
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


def forget_scope_when_changed(model, user_ids: Callable[..., Iterable[int | None]], *, uid: str) -> None:
    """Drop the cached scopes of ``user_ids(instance, **signal_kwargs)`` whenever a row of ``model``
    is saved or deleted: the apps whose rows a scope is computed from say so from their ready()."""

    def receiver(sender, instance, **kwargs):
        for user_id in user_ids(instance, **kwargs):
            forget_cached_scope(user_id)

    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"scope-save-{uid}")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"scope-delete-{uid}")


def connect_scope_signals() -> None:
    """A user's own row changing (deactivated, moved to another company) changes their scope."""
    forget_scope_when_changed(get_user_model(), lambda user, **kw: [user.pk], uid="user")
