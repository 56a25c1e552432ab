"""Re-sum the figures' daily roll-up now (the job does the last 35 days every 10 minutes)."""

import time

from django.core.management.base import BaseCommand, CommandError

from guanjia.boards.rollup import ROLLUP_DAYS, rollup_recent
from guanjia.core.context import Source, change_context


class Command(BaseCommand):
    help = "Re-sum the figures of the last N finished days of every company (default 35)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=ROLLUP_DAYS)

    def handle(self, *args, days, **options):
        if not 1 <= days <= 3 * 366:
            raise CommandError("--days 须在 1 到 1098 之间")
        started = time.perf_counter()
        with change_context(source=Source.COMMAND):
            written = rollup_recent(days=days)
        for company, rows in written.items():
            self.stdout.write(f"{company}: {rows} 行")
        self.stdout.write(f"用时 {time.perf_counter() - started:.1f} 秒")
