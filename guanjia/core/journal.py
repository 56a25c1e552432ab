"""The change journal: every create, change and delete of a ``JournaledModel`` is recorded.

Signals catch every path that saves a model instance (services, admin, commands, jobs). Bulk
paths (imports, scale seeding) bypass signals on purpose for speed and call
``journal_bulk_create`` themselves.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save

from guanjia.core import context
from guanjia.core.models import Company, JournaledModel, ObjectChange


def jsonable(value):
    """A field value as the journal stores it (Decimal and dates as strings)."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _company_id(instance):
    if isinstance(instance, Company):
        return instance.pk
    return getattr(instance, "company_id", None)


def _make_entry(instance, action: str, changes: dict, ctx=None):
    ctx = ctx or context.current()
    actor = ctx.get_actor()
    return ObjectChange(
        company_id=_company_id(instance),
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        source=ctx.source,
        request_id=ctx.request_id[:32],
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        changes=changes,
    )


# Inside ``journal_batched()``: the entries waiting to be written together.
_batch: contextvars.ContextVar[list | None] = contextvars.ContextVar("guanjia_journal_batch", default=None)


@contextlib.contextmanager
def journal_batched() -> Iterator[None]:
    """Write the journal entries of everything saved inside in one INSERT when the block ends,
    instead of one INSERT per save (the same entries, in the same order). Use it only around code
    that lets every error propagate — an error leaves the block without writing, as the transaction
    rolls back anyway — and never around a savepoint whose failure is caught and carried on from."""
    if _batch.get() is not None:  # nested: the outer block writes
        yield
        return
    entries: list = []
    token = _batch.set(entries)
    try:
        yield
    finally:
        _batch.reset(token)
    _write(entries)


def _write(entries: list) -> None:
    waiting = _batch.get()
    if waiting is not None:
        waiting.extend(entries)
    elif len(entries) == 1:
        entries[0].save()
    elif entries:
        ObjectChange.objects.bulk_create(entries, batch_size=1000)


def record(instance, action: str, changes: dict | None = None) -> None:
    """Write one journal entry by hand (e.g. a recorded look at a full phone number)."""
    _write([_make_entry(instance, action, changes or {})])


def _on_save(sender, instance, created, raw=False, **kwargs):
    if raw:  # fixtures loading
        return
    after = {k: jsonable(v) for k, v in instance.journal_values().items()}
    if created:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "")}
        action = ObjectChange.Action.CREATE
    else:
        loaded = getattr(instance, "_journal_loaded", None) or {}
        changes = {}
        for key, new in after.items():
            old = jsonable(loaded.get(key)) if key in loaded else None
            if key in loaded and old != new:
                changes[key] = [old, new]
        if not changes:
            return
        action = ObjectChange.Action.UPDATE
        if "deleted_at" in changes:
            action = ObjectChange.Action.DELETE if changes["deleted_at"][1] else ObjectChange.Action.RESTORE
    _write([_make_entry(instance, action, changes)])
    # The next save of this same instance compares against what is now stored.
    instance._journal_loaded = dict(instance.journal_values())


def _on_delete(sender, instance, **kwargs):
    before = {k: jsonable(v) for k, v in instance.journal_values().items()}
    _write([_make_entry(instance, ObjectChange.Action.DELETE, {k: [v, None] for k, v in before.items()})])


def journal_bulk_create(instances: Iterable) -> None:
    """Journal rows that were inserted with ``bulk_create`` (which sends no signals)."""
    ctx = context.current()
    entries = []
    for instance in instances:
        after = {k: jsonable(v) for k, v in instance.journal_values().items()}
        entries.append(
            _make_entry(
                instance,
                ObjectChange.Action.CREATE,
                {k: [None, v] for k, v in after.items() if v not in (None, "")},
                ctx,
            )
        )
    _write(entries)


def journal_bulk_update(items: Iterable[tuple]) -> None:
    """Journal rows changed with ``bulk_update``: ``items`` are ``(instance, {field: [before, after]})``."""
    ctx = context.current()
    entries = [_make_entry(instance, ObjectChange.Action.UPDATE, changes, ctx) for instance, changes in items]
    _write(entries)


def connect_signals() -> None:
    from django.apps import apps

    for model in apps.get_models():
        if issubclass(model, JournaledModel):
            post_save.connect(_on_save, sender=model, dispatch_uid=f"journal-save-{model._meta.label}")
            post_delete.connect(_on_delete, sender=model, dispatch_uid=f"journal-delete-{model._meta.label}")


def history_for(instance):
    """The journal of one record, newest first."""
    return ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
    ).select_related("actor")
