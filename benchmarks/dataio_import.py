"""Time a 120,000-row import on a fresh SQLite database: throughput and peak memory.

    GUANJIA_TESTING=1 .venv/bin/python -m benchmarks.dataio_import [rows]

Writes a spreadsheet with openpyxl (write-only), migrates a temporary file database, and runs the
import as the worker does (the upload only stores the file; ``run_import_job`` reads it streamed
and writes in short batches): once (everything new), once more (nothing changes), then a one-row
file into the same big project. Prints each run's time, rows per second and the peak resident
memory above what the process held before the run (sampled every 50 ms from /proc).
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path


def _rss() -> int:
    """The process's resident memory in bytes (Linux), 0 where /proc is missing."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


class PeakMemory:
    """The highest resident memory while the block runs, above the level at its start."""

    def __enter__(self):
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def mib(self) -> float:
        return (self.peak - self.start) / (1024 * 1024)


def make_sheet(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from guanjia.dataio.importing import TEMPLATE_HEADERS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导入")
    sheet.append(TEMPLATE_HEADERS)
    per_building = 500
    for i in range(rows):
        building, index = divmod(i, per_building)
        floor, slot = divmod(index, 4)
        sheet.append(
            [
                f"{building + 1}栋",
                floor + 1,
                f"{floor + 1}{slot + 1:02d}",
                round(60 + (i % 90) + 0.5, 2),
                "已入住",
                f"住户{i}",
                f"139{i:08d}",
                ["业主", "租户", "家庭成员"][i % 3],
                datetime.date(2020, 1, 1) + datetime.timedelta(days=i % 1000),
            ]
        )
    workbook.save(path)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    rows = int(argv[0]) if argv else 120_000
    tmp = Path(tempfile.mkdtemp(prefix="guanjia-bench-"))
    try:
        _run(rows, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(rows: int, tmp: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("GUANJIA_TESTING", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "guanjia.settings_test"
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp / "media"
    settings.IMPORT_BACKGROUND_ROWS = rows + 1  # time the import itself, inline
    call_command("migrate", verbosity=0)

    from guanjia.accounts.models import User
    from guanjia.core.models import Company, ObjectChange
    from guanjia.core.roles import Role
    from guanjia.dataio.services import import_submit
    from guanjia.estates.models import Occupancy, Project, Resident, Unit
    from guanjia.staff.models import StaffMember, StaffRole

    company = Company.objects.create(name="基准物业", short_code="JZ")
    project = Project.objects.create(company=company, name="基准小区", code="JZ")
    user = User.objects.create(username="bench", company=company, display_name="基准")
    member = StaffMember.objects.create(company=company, user=user, name="基准", department="management")
    StaffRole.objects.create(company=company, staff=member, role=Role.COMPANY_ADMIN)

    path = tmp / "bench.xlsx"
    started = time.perf_counter()
    make_sheet(path, rows)
    print(f"wrote {rows} rows to {path.name} in {time.perf_counter() - started:.1f}s")

    from guanjia.dataio import services
    from guanjia.dataio.services import run_import_job
    from guanjia.dataio.tests.conftest import xlsx_bytes

    settings.IMPORT_INLINE_BYTES = 0  # as in production for a big file: the worker reads it
    services.tasks.run_import_job_task = lambda job_id: None  # run below, timed on its own
    one_row = tmp / "one.xlsx"
    one_row.write_bytes(xlsx_bytes([["1栋", 1, "199", 80, "", "新住户", "13600000000", "业主", ""]]))
    for attempt, source in (("first import", path), ("re-import", path), ("one row, big project", one_row)):
        upload = SimpleUploadedFile(source.name, source.read_bytes())
        started = time.perf_counter()
        job = import_submit(actor=user, project_id=project.pk, upload=upload)
        stored = time.perf_counter() - started
        with PeakMemory() as memory:
            job = run_import_job(job_id=job.pk)
        elapsed = time.perf_counter() - started
        n = job.total_rows or 1
        print(
            f"{attempt}: {elapsed:.1f}s ({n / elapsed:,.0f} rows/s; upload request {stored * 1000:.0f} ms), "
            f"peak memory +{memory.mib:.0f} MiB — {job.get_status_display()}, created {job.created_count}, "
            f"updated {job.updated_count}, unchanged {job.unchanged_count}"
            + (f", errors {job.errors[:3]}" if job.errors else "")
        )
    print(
        f"units {Unit.objects.count()}, residents {Resident.objects.count()}, "
        f"occupancies {Occupancy.objects.count()}, journal entries {ObjectChange.objects.count()}"
    )
    small = Project.objects.create(company=company, name="小区二", code="XQ")
    small_file = xlsx_bytes(
        [["1栋", 1, f"{n}", 80, "", f"小住户{n}", f"136{n:08d}", "业主", ""] for n in range(101, 141)]
    )
    services.import_submit(
        actor=user, project_id=small.pk, upload=SimpleUploadedFile("small.xlsx", small_file)
    )
    run_import_job(job_id=services.ImportJob.objects.latest("id").pk)
    measure_lists(user, project, small, rows)
    round_trip(user, project, tmp)


def _timed(call, repeat: int = 3) -> float:
    """The best of ``repeat`` runs after one warm-up, in seconds."""
    call()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def measure_lists(
    user, big, small, rows: int, *, small_name="小住户120", small_room="1栋-120", plans=False
) -> None:
    """The residents' list page of the big and the small project, listed and searched (issue 23
    item 9: a big project must not slow the others; its own list and search under 0.3 s).
    ``plans``: print the database's plan of each query that reads residents."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    url = reverse("resident_list")
    last = rows - 1
    cases = [
        ("big project: list", {"project": big.pk}),
        ("big project: name search", {"project": big.pk, "q": f"住户{last}"}),
        ("big project: room search", {"project": big.pk, "q": "1栋-101"}),
        ("big project: phone search", {"project": big.pk, "q": f"139{last:08d}"}),
        ("small project: list", {"project": small.pk}),
        ("small project: name search", {"project": small.pk, "q": small_name}),
        ("small project: room search", {"project": small.pk, "q": small_room}),
        ("company: name search", {"q": f"住户{last}"}),
    ]
    for label, params in cases:

        def get(params=params):
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code

        print(f"residents list page, {label}: {_timed(get) * 1000:.0f} ms")
        if plans:
            with CaptureQueriesContext(connection) as queries:
                get()
            for query in queries.captured_queries:
                if 'FROM "estates_resident"' in query["sql"] and query["sql"].startswith("SELECT"):
                    print("   ", query["sql"][:600])
                    with connection.cursor() as cursor:
                        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                        cursor.execute(explain + query["sql"])
                        for row in cursor.fetchall():
                            print("      ", " | ".join(str(c) for c in row))


def round_trip(user, project, tmp: Path) -> None:
    """The big project's sheet made for re-import, one phone and one end date edited, previewed
    and confirmed: the update that keeps a project current."""
    import python_calamine
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from guanjia.dataio import exporting
    from guanjia.dataio.services import import_confirm, import_submit, run_import_job

    started = time.perf_counter()
    with PeakMemory() as memory:
        content, _type, _name = exporting.export_file(
            actor=user, resource="residents_sheet", fmt="xlsx", params={"project": str(project.pk)}
        )
    print(
        f"export for re-import: {time.perf_counter() - started:.1f}s, {len(content) / 1e6:.1f} MB, "
        f"peak memory +{memory.mib:.0f} MiB"
    )
    rows = python_calamine.load_workbook(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header = rows[0]
    phone, end = header.index("手机号"), header.index("结束日期")
    rows[1][phone] = "13500000001"
    rows[2][end] = datetime.date.today().isoformat()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("导回")
    for row in rows:
        sheet.append(row)
    edited = tmp / "edited.xlsx"
    book.save(edited)
    for attempt in ("dry run", "confirmed"):
        started = time.perf_counter()
        with PeakMemory() as memory:
            if attempt == "dry run":
                upload = SimpleUploadedFile(edited.name, edited.read_bytes())
                job = import_submit(actor=user, project_id=project.pk, upload=upload, dry_run=True)
                job = run_import_job(job_id=job.pk)
                preview = job.preview
            else:
                job = import_confirm(actor=user, job=job)
                job = run_import_job(job_id=job.pk)
        elapsed = time.perf_counter() - started
        print(
            f"round trip, {attempt}: {elapsed:.1f}s ({len(rows) - 1:,} rows), peak memory "
            f"+{memory.mib:.0f} MiB — {job.get_status_display()}; new {preview.get('new')}, "
            f"changed {preview.get('changed')}, moved out {preview.get('moved_out')}"
            + (f", errors {job.errors[:3]}" if job.errors else "")
        )


if __name__ == "__main__":
    main()
