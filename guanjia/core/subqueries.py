"""Per-row look-ups for the hot lists, as scalar subqueries written in SQL.

Why not joins: PostgreSQL weighs the join orders of a many-table join on every call (planning the
request list's 8-table join cost ~7–17 ms against under 1 ms to run it); each scalar subquery is
planned on its own, as one index probe per row shown. Why not ``EXISTS``: in a select list it may be
turned into a hash of *every* matching row when many rows are expected. Why not Django's ``Subquery``
/ ``Exists``: they are built afresh on every request (~0.25 ms each). Only names from the models'
metadata are put into the SQL; values go as parameters.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, IntegerField
from django.db.models.expressions import RawSQL


def quote(name: str) -> str:
    """A table's or a column's name, quoted for the database in use."""
    return connection.ops.quote_name(name)


def related_value(outer, ref: str, model, column: str = "name", *, via: str = "") -> RawSQL:
    """``column`` of the ``model`` row that ``outer``'s ``ref`` points at (``via``: a join inside)."""
    table = quote(model._meta.db_table)
    sql = f"SELECT {column} FROM {table} {via} WHERE {table}.{quote('id')} = {quote(outer._meta.db_table)}.{quote(ref)}"  # noqa: S608
    return RawSQL(sql, ())  # noqa: S611


def _pointing_at(outer, model, fk: str, condition: str) -> str:
    """FROM and WHERE of the ``model`` rows whose ``fk`` is this ``outer`` row (and ``condition``)."""
    table = quote(model._meta.db_table)
    where = f"{table}.{quote(fk)} = {quote(outer._meta.db_table)}.{quote('id')}"
    if condition:
        where += f" AND {condition}"
    return f"FROM {table} WHERE {where}"


def has_row(outer, model, fk: str, condition: str = "", params=()) -> RawSQL:
    """Does a ``model`` row point at this ``outer`` row through ``fk`` (and meet ``condition``, SQL
    over ``model``'s own quoted columns with ``%s`` for ``params``)? A boolean per row."""
    sql = f"(SELECT 1 {_pointing_at(outer, model, fk, condition)} LIMIT 1) IS NOT NULL"
    return RawSQL(sql, tuple(params), output_field=BooleanField())  # noqa: S611


def count_rows(outer, model, fk: str, condition: str = "", params=()) -> RawSQL:
    """How many ``model`` rows point at this ``outer`` row through ``fk`` (and meet ``condition``,
    as for ``has_row``). An integer per row, 0 when none."""
    sql = f"(SELECT COUNT(*) {_pointing_at(outer, model, fk, condition)})"
    return RawSQL(sql, tuple(params), output_field=IntegerField())  # noqa: S611


def column_where(model, column: str, condition: str, params=()) -> RawSQL:
    """``column`` of the ``model`` rows meeting ``condition`` (as for ``has_row``), for
    ``field__in=``: PostgreSQL starts from those rows (an index probe), then joins."""
    sql = f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE {condition}"  # noqa: S608
    return RawSQL(sql, tuple(params))  # noqa: S611
