"""Settings read on every request of a kind, kept in the shared cache.

Some rows change rarely (administrators edit them) but are read by every request received: a
company's deadline policies and calendars, a project's dispatch rules. ``shared_cached`` keeps what
is computed from them in the shared cache (Redis in production: every app server sees the same;
nothing in process memory), under a *kind* and an id (the company's, the project's).

Any change drops the copy: the signals of ``connect_shared_cache_signals`` for single rows, and
``SharedCacheQuerySet`` for bulk updates and inserts (which send none). A version key makes a copy
that was read before a change committed useless even when it is stored after the change: readers
take only a copy stamped with the current version, and every change sets a new version, again once
it commits. A copy read inside a transaction is stored only when that transaction commits (it may
hold the transaction's own changes).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

from guanjia.core.scoping import ScopedQuerySet

T = TypeVar("T")

SHARED_CACHE_SECONDS = 300


def _keys(kind: str, key_id: int) -> tuple[str, str]:
    return f"guanjia:{kind}:{key_id}", f"guanjia:{kind}-version:{key_id}"


def shared_cached(kind: str, key_id: int, compute: Callable[[], T]) -> T:
    """``compute()``'s value for ``(kind, key_id)``: one cache read, or computed and stored."""
    return shared_cached_parts(kind, key_id, [""], lambda missing: {"": compute()})[""]


def shared_cached_parts(
    kind: str,
    key_id: int,
    parts: Iterable[str],
    compute: Callable[[list[str]], dict[str, T]],
    *,
    in_process: bool = False,
) -> dict[str, T]:
    """Several values computed from the same rows as ``(kind, key_id)`` — one per day, say — each
    kept under its own part: one cache read for all of them, ``compute(missing)`` for the parts not
    kept. They share the kind's version, so whatever drops the kind (``forget_shared_cached``) drops
    every part. The part ``""`` is the kind's own value (``shared_cached``).

    ``in_process``: large values also kept in this process while their version is current
    (``_InProcess``); the version is read from the shared cache on every call, so a change made
    through any app server is seen at once, and only the version crosses the network. The values
    returned are then shared by the calls of this process: the caller must not change them."""
    data_key, version_key = _keys(kind, key_id)
    keys = {part: f"{data_key}:{part}" if part else data_key for part in parts}
    values: dict[str, T] = {}
    if in_process:
        version = cache.get(version_key)
        if version is not None:
            values = {
                part: v for part, key in keys.items() if (v := _in_process.get(key, version)) is not None
            }
        wanted = [key for part, key in keys.items() if part not in values]
        found = cache.get_many(wanted) if wanted and version is not None else {}
    else:
        found = cache.get_many([version_key, *keys.values()])
        version = found.get(version_key)
    for part, key in keys.items():
        stamped = found.get(key)
        if version is not None and isinstance(stamped, tuple) and stamped[0] == version:
            values[part] = stamped[1]
            if in_process:
                _in_process.put(key, version, stamped[1])
    missing = [part for part in keys if part not in values]
    if not missing:
        return values
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(version_key, version, None):
            version = cache.get(version_key)
    computed = compute(missing)
    values.update(computed)
    if version is not None:

        def store():
            cache.set_many(
                {keys[part]: (version, value) for part, value in computed.items()}, SHARED_CACHE_SECONDS
            )
            if in_process:
                for part, value in computed.items():
                    _in_process.put(keys[part], version, value)

        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(store)
        else:
            store()
    return values


class _InProcess:
    """The last few shared-cache values a process read whole, each with the version it was read
    under: a copy is used only while the shared cache still holds that version, so nothing here is
    state another app server could miss — it spares this process unpickling the same large value
    again. Bounded (least recently used out first); thread-safe for threaded workers."""

    def __init__(self, entries: int):
        self.entries = entries
        self.values: OrderedDict[str, tuple[str, object]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: str):
        with self.lock:
            kept = self.values.get(key)
            if kept is None or kept[0] != version:
                return None
            self.values.move_to_end(key)
            return kept[1]

    def put(self, key: str, version: str, value) -> None:
        with self.lock:
            self.values[key] = (version, value)
            self.values.move_to_end(key)
            while len(self.values) > self.entries:
                self.values.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


IN_PROCESS_ENTRIES = 16
_in_process = _InProcess(IN_PROCESS_ENTRIES)


def forget_shared_cached(kind: str, key_id: int | None) -> None:
    """What ``(kind, key_id)`` is computed from changed: no stored copy is used any more, from now
    and again once the change commits."""
    if key_id is None:
        return
    _data_key, version_key = _keys(kind, key_id)

    def renew():
        cache.set(version_key, uuid.uuid4().hex, None)

    renew()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(renew)


def _forget_rows(model, rows: Iterable) -> None:
    kind, field = model.shared_cache
    for key_id in {getattr(row, field) for row in rows} - {None}:
        forget_shared_cached(kind, key_id)


class SharedCacheQuerySet(ScopedQuerySet):
    """The queryset of a model whose rows feed a shared-cache kind: ``shared_cache = (kind, field)``
    on the model names the kind and the field holding the id it is kept under. Bulk paths, which
    send no signals, drop the copies too."""

    def _forget(self, key_ids: Iterable) -> None:
        kind, _field = self.model.shared_cache
        for key_id in set(key_ids):
            forget_shared_cached(kind, key_id)

    def update(self, **kwargs):
        _kind, field = self.model.shared_cache
        key_ids = list(self.order_by().values_list(field, flat=True).distinct())
        updated = super().update(**kwargs)
        self._forget(key_ids)
        return updated

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        _forget_rows(self.model, created)
        return created

    def bulk_update(self, objs, *args, **kwargs):
        objs = list(objs)
        updated = super().bulk_update(objs, *args, **kwargs)
        _forget_rows(self.model, objs)
        return updated


def connect_shared_cache_signals(*models) -> None:
    """Drop the copies a row feeds whenever it is saved or deleted."""
    from django.db.models.signals import post_delete, post_save, pre_save

    def changed(sender, instance, **kwargs):
        _forget_rows(sender, [instance])

    def moving(sender, instance, **kwargs):
        # A row moved to another company or project leaves the copy of the one it was read from.
        kind, field = sender.shared_cache
        was = (getattr(instance, "_journal_loaded", None) or {}).get(field)
        if was != getattr(instance, field):
            forget_shared_cached(kind, was)

    for model in models:
        label = model._meta.label
        pre_save.connect(moving, sender=model, weak=False, dispatch_uid=f"shared-cache-move-{label}")
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"shared-cache-save-{label}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"shared-cache-delete-{label}")
