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
ints and aware datetimes; a stand-in that the compiled parameters do not contain (a value Django
folded into the SQL text, or changed on the way) is refused at build time, never run wrongly.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models.query import ValuesIterable

# Enough for every read shape × the scopes active in one worker; the oldest is dropped beyond it.
MAX_STATEMENTS = 512

# Stand-ins: values no real row or moment has, found again among the compiled parameters.
_INT_STAND_IN = 2**62 - 1000
_MOMENT_STAND_IN = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    # Position in ``params`` → the name of the value to put there, and whether it goes adapted.
    slots: dict[int, tuple[str, bool]]
    names: tuple[str, ...]
    compiler: Any
    converters: dict


_statements: OrderedDict[tuple, _Statement] = OrderedDict()
_lock = threading.Lock()


class UnpreparableRead(ValueError):
    """The read's compiled parameters do not hold one of its stand-ins: it cannot be prepared."""


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
    sql, params = compiler.as_sql()
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
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    fields = [selected[0] for selected in compiler.select[0 : compiler.col_count]]
    return _Statement(sql, tuple(params), slots, names, compiler, compiler.get_converters(fields))


def _hashable(value) -> bool:
    return isinstance(value, Hashable)


def prepared_rows(
    model: type[models.Model], name: str, key: Hashable, build: Callable[..., models.QuerySet], **values
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
    statement = _statements.get(cache_key)
    if statement is None:
        statement = _prepare(build, values, alias)
        with _lock:
            _statements[cache_key] = statement
            while len(_statements) > MAX_STATEMENTS:
                _statements.popitem(last=False)
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
    if statement.converters:
        rows = statement.compiler.apply_converters(rows, statement.converters)
    names = statement.names
    return [dict(zip(names, row, strict=True)) for row in rows]
