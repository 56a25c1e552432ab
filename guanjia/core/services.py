"""Helpers every app's services share: validated saves, scoped look-ups, row locks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from guanjia.core.context import acting_as
from guanjia.core.errors import Conflict, NotFound

P = ParamSpec("P")
R = TypeVar("R")


def service(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a service function: it runs in one transaction, and its ``actor`` keyword is the user
    the journal records for every change it makes (whether called from the web, the API, a job…)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with acting_as(kwargs.get("actor")), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


def _storable(pk) -> bool:
    """Ids beyond a 64-bit integer cannot exist; asking the database would overflow on SQLite."""
    try:
        return 0 < int(pk) < 2**63
    except (TypeError, ValueError):
        return False


def save_validated(instance: models.Model, *, exclude: list[str] | None = None) -> models.Model:
    """Validate every field and constraint, then save; a race on a unique constraint is a 409."""
    instance.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise Conflict(_("与已有记录冲突，请刷新后重试")) from exc
    return instance


def visible_or_404(queryset: models.QuerySet, pk, user):
    """The record if the user may see it; otherwise the same NotFound as for a missing id."""
    obj = queryset.visible_to(user).filter(pk=pk).first() if _storable(pk) else None
    if obj is None:
        raise NotFound(_("%(model)s 不存在") % {"model": queryset.model._meta.verbose_name})
    return obj


def visible_reference(model: type[models.Model], pk, user, *, field: str):
    """A referenced record given by id in input: out of scope is a 422 on that field, not a 404."""
    if pk is None:
        raise ValidationError({field: _("此项为必填项")})
    obj = model.objects.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise ValidationError(
            {field: _("%(model)s #%(pk)s 不存在") % {"model": model._meta.verbose_name, "pk": pk}}
        )
    return obj


def lock(instance: models.Model) -> models.Model:
    """Re-read a row under a write lock (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
    IMMEDIATE transaction already holds the database write lock)."""
    return type(instance)._base_manager.select_for_update().get(pk=instance.pk)


def apply_changes(instance: models.Model, data: dict, *, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    for key, value in data.items():
        setattr(instance, key, value)
