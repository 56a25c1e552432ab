"""Statements built once per shape, run many times with their values filled in.

Building a queryset and compiling it is most of what a hot read costs in Python: for a request's
detail, Django spent about 1 ms of a 2.5 ms call putting together the same SQL text it had
put together for the previous call, with only the id and the moment different. Here a read is
built through the ordinary ORM path (``visible_to`` included, so access scoping stays in its one
place) with stand-ins for the values that vary; its SQL, parameters and converters are kept per
process, keyed by what decides the text (the caller's name for the read and, typically, the
user's ``Scope``); each call puts its own values where the stand-ins were and runs the statement
from a cursor.

Kept per process, not shared: the cache holds only what the code and a key compute, the same in
every app server, so a second server misses nothing but the first build. Values that may vary are
ints and aware datetimes. A read whose compiled parameters do not hold each stand-in as given (a
value Django folded into the SQL text; a moment an hour after the given one) is never prepared: it
is run as a plain queryset, so it is slower, never wrong.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models.query import ValuesIterable

log = logging.getLogger(__name__)

# Enough for every read shape × the scopes active in one worker; the oldest is dropped beyond it.
MAX_STATEMENTS = 512

# Stand-ins: values no real row or moment has, found again among the compiled parameters.
_INT_STAND_IN = 2**62 - 1000
_MOMENT_STAND_IN = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class _Statement:
    sql: str | None  # None: the read can match nothing
    params: tuple
    # Position in ``params`` → the name of the value to put there, and whether it goes adapted.
    slots: dict[int, tuple[str, bool]]
    names: tuple[str, ...]
    # Position in a row → the backend's and the fields' converters (text → datetime on SQLite…),
    # with the expression each is for: what the compiler would apply (``apply_converters``).
    converters: tuple[tuple[int, tuple[list, Any]], ...]


_statements: OrderedDict[tuple, _Statement | None] = OrderedDict()
_MISSING = object()
_UNPREPARABLE = None  # kept for a read that cannot be prepared: it is run as a plain queryset
_lock = threading.Lock()


class UnpreparableRead(ValueError):
    """A read whose compiled parameters do not hold each value where it was given (a value folded
    into the SQL text, or computed from): it cannot be prepared, and is run as a plain queryset."""


def _stand_ins(values: dict[str, Any]) -> dict[str, Any]:
    stand_ins = {}
    for offset, (name, value) in enumerate(sorted(values.items())):
        if isinstance(value, bool) or not isinstance(value, int | datetime.datetime):
            raise TypeError(f"{name}: only ints and aware datetimes can vary in a prepared read")
        if isinstance(value, datetime.datetime):
            stand_ins[name] = _MOMENT_STAND_IN + datetime.timedelta(microseconds=offset + 1)
        else:
            stand_ins[name] = _INT_STAND_IN + offset
    return stand_ins


def _adapt(connection, value):
    """A value as the compiled parameters hold it (SQLite keeps moments as text)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _prepare(build: Callable[..., models.QuerySet], values: dict[str, Any], alias: str) -> _Statement:
    stand_ins = _stand_ins(values)
    queryset = build(**stand_ins)
    if queryset._iterable_class is not ValuesIterable:
        raise TypeError("a prepared read is a .values() queryset")
    connection = connections[alias]
    query = queryset.query
    compiler = query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # nothing can match (``.none()``, an empty scope): no statement at all
        return _Statement(None, (), {}, (), ())
    # A value reaches the parameters as given (raw SQL) or adapted by its field (a filter).
    wanted = {}
    for value_name, stand_in in stand_ins.items():
        wanted[stand_in] = (value_name, False)
        wanted.setdefault(_adapt(connection, stand_in), (value_name, True))
    slots = {
        index: wanted[param] for index, param in enumerate(params) if _hashable(param) and param in wanted
    }
    missing = set(stand_ins) - {value_name for value_name, _adapted in slots.values()}
    if missing:
        raise UnpreparableRead(f"not among the parameters: {', '.join(sorted(missing))}")
    derived = [param for index, param in enumerate(params) if index not in slots and _near_a_stand_in(param)]
    if derived:
        raise UnpreparableRead(f"computed from a value, would be kept as built: {derived!r}")
    # The columns' names as ``ValuesIterable`` gives them: in the order ``.values()`` named them
    # (fields and annotations mixed), else extra, fields, annotations.
    names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
    fields = [selected[0] for selected in compiler.select[0 : compiler.col_count]]
    # Only text and small values are kept: not the compiler, which holds the whole query.
    return _Statement(sql, tuple(params), slots, names, tuple(compiler.get_converters(fields).items()))


def _hashable(value) -> bool:
    return isinstance(value, Hashable)


def _near_a_stand_in(param) -> bool:
    """A parameter computed from a stand-in (an hour after the moment, the id plus one) would be
    kept as it was computed at build time: such a read cannot be prepared."""
    if isinstance(param, str) and param[:2] in ("19", "20"):
        try:
            param = datetime.datetime.fromisoformat(param)
        except ValueError:
            return False
        if param.tzinfo is None:
            param = param.replace(tzinfo=datetime.UTC)
    if isinstance(param, datetime.datetime):
        return param.tzinfo is not None and abs(param - _MOMENT_STAND_IN) < _NEAR_MOMENT
    return isinstance(param, int) and not isinstance(param, bool) and abs(param - _INT_STAND_IN) < _NEAR_INT


_NEAR_MOMENT = datetime.timedelta(days=3660)
_NEAR_INT = 10**12


def prepared_rows(
    model: type[models.Model], name: Hashable, key: Hashable, build: Callable[..., models.QuerySet], **values
) -> list[dict[str, Any]]:
    """The rows of ``build(**values)`` (a ``.values()`` queryset of ``model``) as dicts, as
    iterating it gives.

    ``build`` is called with stand-ins for ``values`` the first time a (``name``, ``key``) is read
    in this process; ``key`` must say everything other than ``values`` that the SQL depends on
    (the user's ``Scope`` for a ``visible_to`` read). The database is chosen per call, as the
    queryset's would be (the replica router)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    cache_key = (name, key, alias, connection.vendor, tuple(sorted(values)))
    statement = _statements.get(cache_key, _MISSING)
    if statement is _MISSING:
        try:
            statement = _prepare(build, values, alias)
        except UnpreparableRead as refusal:
            log.warning("%s is read without a prepared statement: %s", name, refusal)
            statement = _UNPREPARABLE
        with _lock:
            _statements[cache_key] = statement
            while len(_statements) > MAX_STATEMENTS:
                _statements.popitem(last=False)
    if statement is _UNPREPARABLE:
        return list(build(**values).using(alias))
    if statement.sql is None:
        return []
    params = list(statement.params)
    for index, (value_name, adapted) in statement.slots.items():
        value = values[value_name]
        if adapted:
            value = _adapt(connection, value)
        elif isinstance(value, datetime.datetime):
            value = value.astimezone(params[index].tzinfo)  # as the read put its stand-in
        params[index] = value
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    names = statement.names
    if statement.converters:
        rows = [_converted(list(row), statement.converters, connection) for row in rows]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _converted(row: list, converters, connection) -> list:
    for position, (functions, expression) in converters:
        value = row[position]
        for convert in functions:
            value = convert(value, expression, connection)
        row[position] = value
    return row


@dataclass(frozen=True)
class PreparedRead:
    """A read to run with ``prepared_rows`` later, once a paginator has narrowed it to a page."""

    model: type[models.Model]
    name: Hashable
    key: Hashable
    build: Callable[..., models.QuerySet]
    values: dict[str, Any]

    def narrowed(self, narrow: Callable[..., models.QuerySet], shape: Hashable, **more) -> PreparedRead:
        """This read with ``narrow(queryset, **more)`` applied to it; ``shape``: what else the
        narrowing puts into the SQL text (a page's size, whether it starts after a cursor)."""
        if set(more) & set(self.values):
            raise ValueError(f"values named twice: {sorted(set(more) & set(self.values))}")
        base, names = self.build, tuple(self.values)

        def build(**values):
            return narrow(
                base(**{name: values[name] for name in names}), **{name: values[name] for name in more}
            )

        return PreparedRead(self.model, (self.name, shape), self.key, build, {**self.values, **more})

    def rows(self) -> list[dict[str, Any]]:
        return prepared_rows(self.model, self.name, self.key, self.build, **self.values)
