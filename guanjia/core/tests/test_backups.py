"""A backup brought up again: a populated database and its files backed up, restored into a fresh
database and storage, compared table by table and file by file (on SQLite, and on PostgreSQL when
the suite runs there)."""

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from guanjia.core.backups import row_counts
from guanjia.testing.world import build_world

PROJECT_DIR = Path(__file__).resolve().parents[3]
FILES = {
    "tickets/photos/2026/12/leak.jpg": b"\xff\xd8\xff\xe0" + os.urandom(3000),
    "emergencies/plans/停电预案.pdf": b"%PDF-1.7\n" + os.urandom(2000),
    "exports/report.xlsx": os.urandom(500),
}


class FreshDatabase:
    """An empty database of the suite's kind, for the restore to go into."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / f"restored-{uuid.uuid4().hex[:6]}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            db = connection.settings_dict
            self.name = f"guanjia_restore_{uuid.uuid4().hex[:8]}"
            auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
            self.url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{self.name}"
            self._admin(f'CREATE DATABASE "{self.name}"')

    def _admin(self, sql):
        import psycopg

        db = connection.settings_dict
        with psycopg.connect(
            dbname="postgres",
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            autocommit=True,
        ) as admin:
            admin.execute(sql)

    def counts(self) -> dict[str, int]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path) as db:
                names = [
                    r[0]
                    for r in db.execute(
                        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                    )
                ]
                return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
        import psycopg

        with psycopg.connect(self.url) as db:
            names = [
                r[0]
                for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            ]
            return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}

    def drop(self):
        if self.vendor != "sqlite":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _restore(directory: Path, database: FreshDatabase, media: Path, *extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MEDIA_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="guanjia.settings_test",
        GUANJIA_TESTING="1",
        DATABASE_URL=database.url,
        MEDIA_ROOT=str(media),
        GUANJIA_VAR_DIR=str(media.parent / "var"),
    )
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(directory), *extra],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _record_migrations():
    """The suite's database is built from the models, not by its migrations (settings_test); a real
    one carries the record of every applied migration, which a backup includes and a restore
    checks. Write that record as ``migrate`` would have."""
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    applied = recorder.applied_migrations()
    for key in MigrationLoader(connection, ignore_no_migrations=True).graph.nodes:
        if key not in applied:
            recorder.record_applied(*key)


@pytest.fixture
def populated(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _record_migrations()
    build_world()
    for name, data in FILES.items():
        assert default_storage.save(name, ContentFile(data)) == name
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_has_every_row_and_file(populated):
    tmp_path = populated
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    live = row_counts()
    assert manifest["tables"] == live
    assert manifest["tables"]["accounts_user"] >= 9 and manifest["tables"]["django_migrations"] > 0
    assert set(manifest["files"]) == set(FILES)
    assert manifest["migrations"]["core"].startswith("00")

    fresh, media = FreshDatabase(tmp_path), tmp_path / "restored-media"
    try:
        result = _restore(out, fresh, media)
        assert result.returncode == 0, result.stderr
        assert "match the manifest" in result.stdout
        restored = fresh.counts()
        assert {t: restored.get(t) for t in live} == live
        for name, data in FILES.items():
            assert (media / name).read_bytes() == data

        # Restoring over the copy that now holds data is refused, and leaves it as it is.
        again = _restore(out, fresh, media)
        assert again.returncode != 0 and "already holds data" in again.stderr
        assert fresh.counts() == restored
    finally:
        fresh.drop()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_restored(populated):
    tmp_path = populated
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    archive = out / "media.tar"
    data = bytearray(archive.read_bytes())
    data[600] ^= 0xFF
    archive.write_bytes(bytes(data))
    fresh, media = FreshDatabase(tmp_path), tmp_path / "restored-media"
    try:
        result = _restore(out, fresh, media)
        assert result.returncode != 0 and "media.tar: checksum differs" in result.stderr
        assert not any(fresh.counts().values())
        assert not media.exists() or not any(media.rglob("*.*"))
    finally:
        fresh.drop()


@pytest.mark.django_db
def test_a_backup_goes_into_a_new_or_empty_directory_only(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", out=str(tmp_path))
