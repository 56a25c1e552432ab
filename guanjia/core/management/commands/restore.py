"""``manage.py restore DIR``: load a backup into an empty database and the storage (core.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guanjia.core.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database; checks checksums and row counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument(
            "--force", action="store_true", help="replace the data of a database that is not empty"
        )

    def handle(self, *args, directory, force, **options):
        try:
            result = restore(Path(directory), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored {result.rows} rows in {result.tables} tables and {result.files} files; "
            "checksums and row counts match the manifest"
        )
