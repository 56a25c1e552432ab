"""Backups: the database and the uploaded files, in one directory, with a manifest to check a
restore against (``manage.py backup`` / ``manage.py restore``; docs/operations.md).

A backup directory holds:

- ``database.dump`` — PostgreSQL: ``pg_dump --format=custom`` (restored with ``pg_restore``);
  or ``database.sqlite3`` — SQLite: a consistent copy by SQLite's online backup API (the site may
  keep running; writers wait for the copy's moments, nobody sees half a write).
- ``media.tar`` — every file of the default storage (the local disk or an S3 bucket alike: read
  through Django's storage API), under its storage name.
- ``manifest.json`` — when and from what it was made, the last migration of every app, the row
  count of every table, the SHA-256 of the dump and of the archive, and of every file in it.

``restore`` checks every checksum first, refuses a database that already holds data (``--force``
replaces it), loads the dump, puts the files back through the storage, and compares the row counts
with the manifest: a restore that does not match fails loudly.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
MEDIA = "media.tar"
PG_DUMP = "database.dump"
SQLITE_DUMP = "database.sqlite3"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done (the message says why)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table_names() -> list[str]:
    """The tables of the database (Django's and the migration record), sorted."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor, include_views=False))
    return sorted(name for name in existing if not name.startswith("sqlite_"))


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in table_names():
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - names from introspection
            counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608 - names from the schema
        for name in sorted(names)
    }


def _pg_env() -> tuple[dict[str, str], str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env, db["NAME"]


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[-2000:]}")


def _walk(storage, directory: str = ""):
    dirs, files = storage.listdir(directory)
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(dirs):
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


@dataclass
class BackupResult:
    directory: Path
    tables: int
    rows: int
    files: int


def backup(out: Path) -> BackupResult:
    """Write a backup of the database and the media files into ``out`` (new or empty)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    # The row counts are those of the dump itself, not of a moment before or after it: on a live
    # site rows keep coming.
    if vendor == "postgresql":
        env, name = _pg_env()
        dump = out / PG_DUMP
        with connection.cursor() as cursor:
            # pg_dump reads the snapshot this transaction exported, so the counts made in it are the dump's.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts = row_counts()
                _run(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        "--file",
                        str(dump),
                        name,
                    ],
                    env,
                )
            finally:
                cursor.execute("ROLLBACK")
    elif vendor == "sqlite":
        dump = out / SQLITE_DUMP
        connection.ensure_connection()
        target = sqlite3.connect(dump)
        try:
            connection.connection.backup(target)
            counts = _sqlite_counts(target)
        finally:
            target.close()
    else:
        raise BackupError(f"no backup for the {vendor} database")
    migrations = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name").order_by("app", "name"):
        migrations[app] = name
    files = {}
    with tarfile.open(out / MEDIA, "w") as archive:
        for name in _walk(default_storage):
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            files[name] = hashlib.sha256(data).hexdigest()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "database": dump.name,
        "migrations": migrations,
        "tables": counts,
        "checksums": {dump.name: sha256_file(dump), MEDIA: sha256_file(out / MEDIA)},
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True))
    return BackupResult(out, len(counts), sum(counts.values()), len(files))


def read_manifest(directory: Path) -> dict:
    """The manifest, with every checksum verified (a BackupError names the first that differs)."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory / MANIFEST}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["checksums"].items():
        path = directory / name
        if not path.exists():
            raise BackupError(f"{name} is missing")
        if sha256_file(path) != expected:
            raise BackupError(f"{name}: checksum differs from the manifest (damaged or changed)")
    return manifest


def database_holds_data() -> bool:
    counts = row_counts()
    return any(counts.values())


@dataclass
class RestoreResult:
    tables: int
    rows: int
    files: int


def restore(directory: Path, *, force: bool = False) -> RestoreResult:
    """Load a backup into this database and storage; see the module's docstring."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(f"a {manifest['vendor']} backup cannot be restored into {vendor}")
    if database_holds_data() and not force:
        raise BackupError("the database already holds data; restore into an empty one (or --force)")
    dump = directory / manifest["database"]
    if vendor == "postgresql":
        env, name = _pg_env()
        connection.close()
        args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        if force:
            args += ["--clean", "--if-exists"]
        _run([*args, "--dbname", name, str(dump)], env)
    else:
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
    # Files: each archive member checked against the manifest, then saved under its own name.
    restored = 0
    with tarfile.open(directory / MEDIA, "r") as archive:
        for member in archive:
            if not member.isfile() or member.name.startswith("/") or ".." in Path(member.name).parts:
                raise BackupError(f"{MEDIA}: unexpected member {member.name!r}")
            data = archive.extractfile(member).read()
            if hashlib.sha256(data).hexdigest() != manifest["files"].get(member.name):
                raise BackupError(f"{MEDIA}: {member.name} differs from the manifest")
            if default_storage.exists(member.name):
                default_storage.delete(member.name)
            saved = default_storage.save(member.name, ContentFile(data))
            if saved != member.name:
                raise BackupError(f"{member.name} was stored as {saved}")
            restored += 1
    if restored != len(manifest["files"]):
        raise BackupError(f"{MEDIA} holds {restored} files, the manifest {len(manifest['files'])}")
    counts = row_counts()
    differ = {
        table: (expected, counts.get(table))
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    }
    if differ:
        shown = ", ".join(f"{t}: {a} → {b}" for t, (a, b) in sorted(differ.items())[:10])
        raise BackupError(f"row counts differ from the manifest: {shown}")
    return RestoreResult(len(counts), sum(counts.values()), restored)
