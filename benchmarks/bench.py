"""``make bench``: seed a scale database and time the lists staff use most, with query counts.

    GUANJIA_TESTING=1 DJANGO_SETTINGS_MODULE=guanjia.settings_test python -m benchmarks.bench \
        [--projects 50] [--units-per-project 1000] [--repeat 5] [--import-rows 20000] [--keep]

It works in a throw-away SQLite file in a temporary directory (never the real database). Set
BENCH_DATABASE_URL to measure on an empty PostgreSQL database instead. Timings are printed, never
asserted: they belong here, not in tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

from benchmarks import dataio_import


def _prepare_environment(tmp: str) -> None:
    """Point settings at the temporary directory before Django reads them."""
    os.environ["GUANJIA_VAR_DIR"] = tmp
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("GUANJIA_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanjia.settings_test")


def _measure(api, path: str, repeat: int, **params) -> tuple[float, int, int]:
    """Median milliseconds over ``repeat`` calls (after one warm-up), SQL queries, items returned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = api.get(path, **params)  # warm-up: caches, token look-up paths
    if response.status_code != 200:
        raise SystemExit(f"{path} {params}: HTTP {response.status_code} {response.content[:300]!r}")
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = api.get(path, **params)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(queries), len(response.json()["items"])


def run(*, projects: int, units_per_project: int, repeat: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from guanjia.core.context import Source, change_context
    from guanjia.demo.management.commands.seed_scale import seed_scale
    from guanjia.estates.models import Occupancy
    from guanjia.testing.api import Api

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    with change_context(source=Source.COMMAND):
        result = seed_scale(projects=projects, units_per_project=units_per_project, code="BENCH")
    seed_seconds = time.perf_counter() - started

    User = get_user_model()
    company = result["company"]
    users = {
        "hq_center (all)": User.objects.get(username="bench-hq"),
        "desk (1 project)": User.objects.get(username="bench-desk"),
    }
    desk_project = users["desk (1 project)"].staff_member.projects.get()
    # A resident of the desk's project, so both users can find them by phone.
    sample = (
        Occupancy.objects.filter(project=desk_project)
        .select_related("resident", "unit")
        .order_by("-id")
        .first()
    )
    phone, unit_number = sample.resident.phone, sample.unit.number

    print()
    print(f"数据库: {os.environ['DATABASE_URL'].split('://')[0]}    migrate {migrate_seconds:.1f} s")
    print(
        f"seed_scale --projects {projects} --units-per-project {units_per_project}: "
        f"{seed_seconds:.1f} s  ({result['units']} 套房屋, {result['residents']} 位住户, "
        f"{result['occupancies']} 条入住关系; 公司 {company.short_code})"
    )
    print()
    cases = [
        ("units page 1 (page_size 50)", "units", {"page": 1, "page_size": 50}),
        ("units search number", "units", {"page": 1, "page_size": 50, "search": unit_number}),
        ("residents page 1 (page_size 50)", "residents", {"page": 1, "page_size": 50}),
        ("residents search by phone", "residents", {"page": 1, "page_size": 50, "search": phone}),
    ]
    header = f"{'user':<22}{'request':<34}{'median ms':>10}{'queries':>9}{'items':>7}"
    print(header)
    print("-" * len(header))
    for label, user in users.items():
        api = Api(user)
        for name, path, params in cases:
            ms, queries, items = _measure(api, path, repeat, **params)
            print(f"{label:<22}{name:<34}{ms:>10.1f}{queries:>9}{items:>7}")
    print(f"(每项 {repeat} 次取中位数，先预热一次)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--units-per-project", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--import-rows", type=int, default=120_000, help="rows of the import benchmark")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database afterwards")
    args = parser.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="guanjia-bench-")
    _prepare_environment(tmp)
    import django

    django.setup()
    try:
        run(projects=args.projects, units_per_project=args.units_per_project, repeat=args.repeat)
        print("\n== benchmarks.dataio_import ==")
        dataio_import.main([str(args.import_rows)])
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"数据库保留在 {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
