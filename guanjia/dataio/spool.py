"""An import's memory of the whole file, on disk: a temporary SQLite database per job.

Matching 120,000 rows at once held every row's records in memory (+873 MiB). The planner now
works a chunk of rows at a time (``planning``), so whatever has to span the whole file lives here,
outside the process's memory, and is asked about one chunk's keys at a time:

- ``rows``: the checked rows, written as they are read, handed back in chunks ordered by
  (building, number, line) so that all rows of one unit are planned together;
- ``people``: the new residents planned so far (phone → name, first line);
- ``matched``: the existing residents the file names so far (id → name, phone, first line);
- ``taken``: the phones that a planned change gives to a resident (phone → id, line);
- ``plans``: each chunk's planned writes (pickled), for the writing pass.

This is a private scratch file (the job's own worker process), not the application's database:
it takes no lock there and is deleted when the job ends. SQLite keeps at most its page cache
(~2 MB) in memory whatever the file's size.


The SQL below is built from this module's own column and table names only; every value is a
parameter.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.conf import settings

from guanjia.dataio.importing import Row

_ROW_FIELDS = (
    "line",
    "building",
    "number",
    "floor",
    "area",
    "status",
    "name",
    "phone",
    "relation",
    "start_on",
    "end_on",
    "project",
    "resident_id",
)
_SCHEMA = """
CREATE TABLE rows (
    line INTEGER PRIMARY KEY, building TEXT, number TEXT, floor INTEGER, area TEXT, status TEXT,
    name TEXT, phone TEXT, relation TEXT, start_on TEXT, end_on TEXT, project TEXT, resident_id INTEGER
);
CREATE INDEX rows_unit ON rows (building, number, line);
CREATE TABLE people (phone TEXT PRIMARY KEY, name TEXT, line INTEGER);
CREATE TABLE matched (pk INTEGER PRIMARY KEY, name TEXT, phone TEXT, line INTEGER);
CREATE TABLE taken (phone TEXT PRIMARY KEY, pk INTEGER, line INTEGER);
CREATE TABLE plans (seq INTEGER PRIMARY KEY, data BLOB);
"""
_IN = 500  # keys per IN (…) query (SQLite's default limit of variables is 32,766)


def _chunks(items: list, size: int = _IN):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Spool:
    """Use as a context manager: the scratch file is removed on exit."""

    def __init__(self) -> None:
        folder = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)  # None: the system's temp folder
        handle, self.path = tempfile.mkstemp(prefix="guanjia-import-", suffix=".sqlite3", dir=folder)
        os.close(handle)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        # Scratch: no journal, no fsync (a crash loses nothing that matters: the job starts over).
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.executescript(_SCHEMA)
        self.labels: dict[str, str] = {}
        self.count = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
            with contextlib.suppress(OSError):
                os.remove(self.path)

    # The file's rows ---------------------------------------------------------------------------

    def add_rows(self, rows: Iterable[Row], batch: int = 1000) -> None:
        """Store checked rows as they come (a stream: nothing is kept here but one batch)."""
        pending: list[tuple] = []
        for row in rows:
            self.labels = row.labels
            pending.append(
                (
                    row.line,
                    row.building,
                    row.number,
                    row.floor,
                    None if row.area is None else str(row.area),
                    row.status,
                    row.name,
                    row.phone,
                    row.relation,
                    None if row.start_on is None else row.start_on.isoformat(),
                    None if row.end_on is None else row.end_on.isoformat(),
                    row.project,
                    row.resident_id,
                )
            )
            if len(pending) >= batch:
                self._insert_rows(pending)
                pending = []
        self._insert_rows(pending)

    def _insert_rows(self, pending: list[tuple]) -> None:
        if pending:
            with self.db:
                self.db.executemany(f"INSERT INTO rows VALUES ({', '.join('?' * 13)})", pending)  # noqa: S608
            self.count += len(pending)

    def _row(self, values: tuple) -> Row:
        data = dict(zip(_ROW_FIELDS, values, strict=True))
        for key in ("start_on", "end_on"):
            if data[key] is not None:
                data[key] = datetime.date.fromisoformat(data[key])
        if data["area"] is not None:
            data["area"] = Decimal(data["area"])
        return Row(labels=self.labels, **data)

    def unit_chunks(self, size: int) -> Iterator[list[Row]]:
        """The rows, ``size`` at a time in (building, number, line) order; a chunk is extended to
        the end of its last unit, so every unit's rows are planned together."""
        columns = ", ".join(_ROW_FIELDS)
        after: tuple = ("", "", 0)
        while True:
            found = self.db.execute(
                f"SELECT {columns} FROM rows WHERE (building, number, line) > (?, ?, ?) "  # noqa: S608
                "ORDER BY building, number, line LIMIT ?",
                (*after, size),
            ).fetchall()
            if not found:
                return
            last = found[-1]
            if len(found) == size:
                found += self.db.execute(
                    f"SELECT {columns} FROM rows WHERE building = ? AND number = ? AND line > ? "  # noqa: S608
                    "ORDER BY line",
                    (last[1], last[2], last[0]),
                ).fetchall()
                last = found[-1]
            after = (last[1], last[2], last[0])
            yield [self._row(values) for values in found]

    def building_floors(self, project_names: tuple[str, ...]) -> dict[str, int]:
        """Each building of the file (rows of this project) → its highest floor, at least 1."""
        marks = ", ".join("?" * len(project_names))
        return {
            name: max(1, floor or 1)
            for name, floor in self.db.execute(
                f"SELECT building, MAX(floor) FROM rows WHERE project = '' OR project IN ({marks}) "  # noqa: S608
                "GROUP BY building ORDER BY building",
                project_names,
            )
        }

    def phones(self) -> set[str]:
        """The residents' phones of the file (for what runs after a successful import)."""
        return {p for (p,) in self.db.execute("SELECT DISTINCT phone FROM rows WHERE phone != ''")}

    # What spans chunks -------------------------------------------------------------------------

    def _lookup(self, table: str, key: str, keys: Iterable, columns: str) -> dict:
        found: dict = {}
        for chunk in _chunks(sorted(set(keys))):
            marks = ", ".join("?" * len(chunk))
            for values in self.db.execute(
                f"SELECT {key}, {columns} FROM {table} WHERE {key} IN ({marks})",  # noqa: S608
                chunk,
            ):
                found[values[0]] = values[1:]
        return found

    def people(self, phones: Iterable[str]) -> dict[str, tuple[str, int]]:
        """The new residents planned in earlier chunks among these phones: phone → (name, line)."""
        return self._lookup("people", "phone", phones, "name, line")

    def matched(self, pks: Iterable[int]) -> dict[int, tuple[str, str, int]]:
        """Existing residents earlier chunks matched: id → (name, phone, line)."""
        return self._lookup("matched", "pk", pks, "name, phone, line")

    def taken(self, phones: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Phones an earlier planned change gives to a resident: phone → (id, line)."""
        return self._lookup("taken", "phone", phones, "pk, line")

    def remember(self, *, people=(), matched=(), taken=()) -> None:
        """One chunk's additions to what spans chunks (rows of tuples as the tables hold them)."""
        with self.db:
            self.db.executemany("INSERT INTO people VALUES (?, ?, ?)", people)
            self.db.executemany("INSERT INTO matched VALUES (?, ?, ?, ?)", matched)
            self.db.executemany("INSERT INTO taken VALUES (?, ?, ?)", taken)

    # Planned writes ----------------------------------------------------------------------------

    def keep_plan(self, plan) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO plans (data) VALUES (?)", (pickle.dumps(plan, pickle.HIGHEST_PROTOCOL),)
            )

    def plans(self) -> Iterator:
        """The kept chunk plans in the order planned, one in memory at a time."""
        seq = 0
        while True:
            found = self.db.execute(
                "SELECT seq, data FROM plans WHERE seq > ? ORDER BY seq LIMIT 1", (seq,)
            ).fetchone()
            if found is None:
                return
            seq = found[0]
            yield pickle.loads(found[1])  # noqa: S301 — our own scratch file, written above
