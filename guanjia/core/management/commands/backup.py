"""``manage.py backup --out DIR``: the database and the uploaded files, with a manifest (core.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guanjia.core.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump / SQLite backup) and the media files into DIR, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="a new or empty directory")

    def handle(self, *args, out, **options):
        try:
            result = backup(Path(out))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up {result.rows} rows in {result.tables} tables and {result.files} files into {result.directory}"
        )
