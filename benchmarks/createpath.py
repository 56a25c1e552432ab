"""What receiving a request costs in-process: the share of a create spent in the database and the
Python around it, measured through the WSGI handler as a worker serves (production settings, DEBUG
off), against a throw-away SQLite database and a local-memory cache. No HTTP, no load generator:
the figures are per create and CPU-bound, so they can be compared before and after a change on the
same machine (the absolute milliseconds depend on the machine; the statement count and Python
function calls do not).

    python -m benchmarks.createpath [--n 300] [--profile 25] [--code DIR]

A first process migrates and builds a world (``guanjia.testing.world``: the desk of P1, a
technician in engineering with the skill the leak category's dispatch rule asks for, the company's
default categories and deadline policies) and issues a bearer token for the desk; a second, fresh
process is the measured worker: it warms up with 20 creates, then posts ``--n`` requests (a leak in
a unit, auto-dispatched to the technician), timing each and the time inside the database
(``connection.execute_wrapper``). ``--profile N`` prints the cProfile of the slowest functions
(by own time) over the creates.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import time
from pathlib import Path

from benchmarks import inprocess
from benchmarks.inprocess import bearer_token, migrated_world


def prepare(out: Path) -> None:
    world = migrated_world()
    from guanjia.core.context import Source, change_context
    from guanjia.dispatch.models import DispatchRule
    from guanjia.sla import services as sla_services
    from guanjia.staff.choices import Department
    from guanjia.staff.models import Skill, StaffMember
    from guanjia.tickets import services
    from guanjia.tickets.models import TicketCategory

    with change_context(source=Source.COMMAND):
        services.company_defaults_ensure(company=world.company)
        sla_services.sla_defaults_ensure(company=world.company)
        leak = TicketCategory.objects.get(company=world.company, name="漏水")
        DispatchRule.objects.create(
            company=world.company,
            project=world.project,
            category=leak.parent,
            department=Department.ENGINEERING,
        )
        technician = StaffMember.objects.get(user=world.technician)
        technician.skills.add(Skill.objects.create(company=world.company, name="水电"))
    raw = bearer_token(world.desk)
    out.write_text(json.dumps({"token": raw, "unit_id": world.unit.pk, "category_id": leak.pk}))


def measure(state: dict, n: int, profile_rows: int) -> dict:
    from django.db import connection

    from guanjia.wsgi import application

    body = json.dumps(
        {
            "unit_id": state["unit_id"],
            "category_id": state["category_id"],
            "description": "厨房漏水",
            "kind": "home_repair",
        }
    ).encode()
    in_db = [0.0]
    statements = [0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_db[0] += time.perf_counter() - started
            statements[0] += 1

    def create() -> int:
        return inprocess.call(application, "/api/v1/tickets", token=state["token"], method="POST", body=body)

    def dispatch_queued() -> list[float]:
        """Run the auto-dispatch jobs the creates queued (production dispatches in the worker),
        timing each: the rest of a create's work, done after its answer."""
        from guanjia.core.context import Source, change_context
        from guanjia.dispatch.models import PendingDispatch
        from guanjia.dispatch.services import dispatch_waiting

        took = []
        with change_context(source=Source.JOB):
            for ticket_id in PendingDispatch.objects.order_by("queued_at").values_list(
                "ticket_id", flat=True
            ):
                started = time.perf_counter()
                assert dispatch_waiting(ticket_id).status == "dispatched"
                took.append(time.perf_counter() - started)
        return took

    for _ in range(20):
        assert create() == 201
    dispatch_queued()
    times = []
    db_times = []
    counts = []
    profiler = cProfile.Profile() if profile_rows else None
    with connection.execute_wrapper(timed):
        for _ in range(n):
            in_db[0], statements[0] = 0.0, 0
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            status = create()
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
            assert status == 201, status
            times.append(elapsed)
            db_times.append(in_db[0])
            counts.append(statements[0])
    jobs = dispatch_queued()
    report = {
        "creates": n,
        "p50 ms": round(statistics.median(times) * 1000, 2),
        "dispatched by the worker after the answer": len(jobs),
        "the worker's dispatch p50 ms": round(statistics.median(jobs) * 1000, 2) if jobs else 0,
        "database p50 ms": round(statistics.median(db_times) * 1000, 2),
        "outside the database": round(1 - sum(db_times) / sum(times), 3),
        "statements": statistics.median(counts),
    }
    if profiler:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        report["python calls per create"] = round(stats.total_calls / n)
        stats.sort_stats("tottime").print_stats(profile_rows)
        stats.sort_stats("cumulative").print_stats("guanjia/", profile_rows)
        if os.environ.get("CALLEES"):
            stats.print_callees(os.environ["CALLEES"])
        report["profile"] = text.getvalue()
    return report


def main() -> None:
    parser = inprocess.arguments()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="print the N functions with most own time")
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(Path(args.state))
        return
    if args.stage == "measure":
        state = json.loads(Path(args.state).read_text())
        print(json.dumps(measure(state, args.n, args.profile)))
        return
    report = inprocess.run_stages(
        __file__, "create", args, ["--n", str(args.n), "--profile", str(args.profile)]
    )
    profile = report.pop("profile", "")
    print("| one create, in-process | value |")
    print("|---|---|")
    for key, value in report.items():
        print(f"| {key} | {value} |")
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
