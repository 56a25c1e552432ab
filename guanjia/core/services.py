"""Helpers every app's services share: validated saves, scoped look-ups, row locks."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, FieldError, ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanjia.core.context import acting_as
from guanjia.core.errors import Conflict, NotFound
from guanjia.core.scoping import scope_for
from guanjia.core.statements import prepared_rows

P = ParamSpec("P")
R = TypeVar("R")


def service(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a service function: it runs in one transaction, and its ``actor`` keyword is the user
    the journal records for every change it makes (whether called from the web, the API, a job…)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = kwargs.get("actor")
        if actor is not None and not transaction.get_connection().in_atomic_block:
            # The actor's scope, read before the transaction opens, may go to the shared cache
            # (it is never cached from inside one): a request that only writes reuses it next time.
            scope_for(actor)
        with acting_as(actor), transaction.atomic():
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
    full_clean(instance, exclude=exclude)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise Conflict(_("与已有记录冲突，请刷新后重试")) from exc
    return instance


def full_clean(instance: models.Model, *, exclude=None) -> None:
    """``Model.full_clean`` with the same errors, minus two kinds of needless round trips:

    - a foreign key whose object the service already loaded (``ticket.unit = unit``) is not looked up
      again to prove it exists (the database's foreign key still guards a concurrent delete);
    - a check constraint made of plain comparisons is evaluated here instead of by a
      ``SELECT … WHERE <condition>`` in a savepoint (three statements per constraint on PostgreSQL).
    Everything else goes to Django's own validation.
    """
    exclude = set(exclude or ())
    errors: dict = {}
    try:
        instance.clean_fields(exclude=exclude | _loaded_relations(instance))
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        instance.validate_unique(exclude=exclude)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        _validate_constraints(instance, exclude)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _loaded_relations(instance) -> set[str]:
    """Foreign keys whose row is known to exist: the related row is loaded on the instance; the key
    is unchanged since the instance was read from the database (``JournaledModel`` keeps what it
    read); or a loaded related row carries the same id in its own foreign key to the same model
    (``ticket.company_id == ticket.project.company_id``: the project's foreign key proves it)."""
    names = set()
    loaded = []
    as_read = {} if instance._state.adding else (getattr(instance, "_journal_loaded", None) or {})
    for field in instance._meta.concrete_fields:
        if not field.many_to_one:
            continue
        value = getattr(instance, field.attname)
        if value is not None and field.attname in as_read and as_read[field.attname] == value:
            names.add(field.name)
        if field.is_cached(instance):
            related = field.get_cached_value(instance)
            if (
                related is not None
                and not related._state.adding
                and related.pk is not None
                and related.pk == value
            ):
                names.add(field.name)
                loaded.append(related)
    for field in instance._meta.concrete_fields:
        if not field.many_to_one or field.name in names or getattr(instance, field.attname) is None:
            continue
        for related in loaded:
            try:
                theirs = related._meta.get_field(field.name)
            except FieldDoesNotExist:
                continue
            if (
                theirs.many_to_one
                and theirs.concrete
                and theirs.related_model is field.related_model
                and getattr(related, theirs.attname) == getattr(instance, field.attname)
            ):
                names.add(field.name)
                break
    return names


def _validate_constraints(instance, exclude: set[str]) -> None:
    """``Model.validate_constraints``, evaluating simple check constraints in Python."""
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                if isinstance(constraint, models.CheckConstraint):
                    verdict = _check_in_python(constraint.condition, instance, exclude)
                    if verdict is False:
                        raise ValidationError(
                            constraint.get_violation_error_message(), code=constraint.violation_error_code
                        )
                    if verdict is not _UNSUPPORTED:
                        continue
                constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                    errors.setdefault(constraint.fields[0], []).append(exc)
                else:
                    errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


_UNSUPPORTED = object()
_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _check_in_python(condition, instance, exclude: set[str]):
    """True / False, None for SQL's unknown (which passes a CHECK), or _UNSUPPORTED.

    Only lookups a CHECK can state without help from the database: ``isnull`` and comparisons of a
    field with a literal. A negation over a nullable field is left to the database, whose NULL
    handling Django shapes specially there.
    """
    try:
        result = _evaluate(Q(condition), instance, exclude, negated_above=False)
    except (_Unsupported, FieldError, TypeError):
        return _UNSUPPORTED
    return True if result is None else result


class _Unsupported(Exception):
    pass


def _evaluate(node, instance, exclude, *, negated_above):
    negated = negated_above or getattr(node, "negated", False)
    if isinstance(node, Q):
        values = [_evaluate(child, instance, exclude, negated_above=negated) for child in node.children]
        if node.connector == Q.AND:
            value = False if False in values else (None if None in values else True)
        elif node.connector == Q.OR:
            value = True if True in values else (None if None in values else False)
        else:
            raise _Unsupported
        return (None if value is None else not value) if node.negated else value
    lookup, literal = node
    name, _sep, kind = lookup.partition("__")
    kind = kind or "exact"
    if "__" in kind or hasattr(literal, "resolve_expression"):
        raise _Unsupported
    field = instance._meta.get_field(name)
    if not field.concrete or name in exclude:
        raise _Unsupported
    current = getattr(instance, field.attname)
    if kind == "isnull":
        return (current is None) == bool(literal)
    if kind not in _COMPARISONS or literal is None or (negated and field.null):
        raise _Unsupported
    if current is None:
        return None
    return _COMPARISONS[kind](field.to_python(current), field.to_python(literal))


def by_pk(queryset: models.QuerySet, pk):
    """The row with this primary key, or None. Unlike ``.first()`` it asks for no ordering: an
    ORDER BY on a one-row lookup is work for nothing, and compiling it was an eighth of a create."""
    return next(iter(queryset.filter(pk=pk).order_by()[:1]), None)


def visible_or_404(queryset: models.QuerySet, pk, user):
    """The record if the user may see it; otherwise the same NotFound as for a missing id."""
    obj = by_pk(queryset.visible_to(user), pk) if _storable(pk) else None
    if obj is None:
        raise NotFound(_("%(model)s 不存在") % {"model": queryset.model._meta.verbose_name})
    return obj


def visible_row_or_404(
    model: type[models.Model], name: str, rows: Callable[..., models.QuerySet], pk, user, **values
) -> dict:
    """``visible_or_404`` for one row of a hot read, as a dict: ``rows(**values)`` is the
    ``.values()`` queryset of ``model`` to read from, unscoped (the user's scope is applied here,
    as ``visible_or_404`` does). Its SQL is built once per user scope (``core.statements``), so a
    call costs the statement, not Django putting it together again. ``name``: the read's own."""

    def build(pk, **values):
        return rows(**values).visible_to(user).filter(pk=pk).order_by()[:1]

    found = prepared_rows(model, name, scope_for(user), build, pk=int(pk), **values) if _storable(pk) else []
    if not found:
        raise NotFound(_("%(model)s 不存在") % {"model": model._meta.verbose_name})
    return found[0]


def visible_reference(model: type[models.Model], pk, user, *, field: str, related: tuple[str, ...] = ()):
    """A referenced record given by id in input: out of scope is a 422 on that field, not a 404.
    ``related``: foreign keys to read along with it (``select_related``)."""
    if pk is None:
        raise ValidationError({field: _("此项为必填项")})
    obj = by_pk(model.objects.visible_to(user).select_related(*related), pk)
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
