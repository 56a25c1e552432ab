"""What the API's hot reads cost in-process: a request's detail, a project's open requests and the
overdue list, each through the WSGI handler as a worker serves them (production settings, DEBUG
off, Redis as the shared cache when a redis-server is installed), against a throw-away SQLite
database. No HTTP, no load generator: the figures are per call and CPU-bound, so they can be
compared before and after a change on the same machine.

    python -m benchmarks.readpath [--n 3000] [--rounds 3] [--profile 30] [--code DIR]

A first process builds the world of ``benchmarks.createpath`` and receives 60 requests through the
API; a second, fresh process is the measured worker: per read, 200 calls to warm up, then
``--rounds`` rounds of ``--n`` calls; the median round's milliseconds per call are printed.
``--code DIR`` measures another checkout's ``guanjia`` (a "before").
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import statistics
import time
from pathlib import Path

from benchmarks import createpath, inprocess

READS = {
    "a request's detail": "/api/v1/tickets/{id}",
    "a project's open requests, 25": "/api/v1/tickets?open=true&page_size=25&project_id={project}",
    "overdue, all projects, 25": "/api/v1/tickets?overdue=true&page_size=25",
}


def prepare(out: Path) -> None:
    createpath.prepare(out)
    state = json.loads(out.read_text())
    from guanjia.tickets.models import Ticket
    from guanjia.wsgi import application

    body = json.dumps(
        {"unit_id": state["unit_id"], "category_id": state["category_id"], "description": "厨房漏水"}
    ).encode()
    for _ in range(60):
        status = inprocess.call(
            application, "/api/v1/tickets", token=state["token"], method="POST", body=body
        )
        assert status == 201, status
    tickets = Ticket.objects.order_by("-id").values("id", "project_id")[:50]
    state["ids"] = [row["id"] for row in tickets]
    state["project"] = tickets[0]["project_id"]
    out.write_text(json.dumps(state))


def _get(application, path: str, token: str) -> int:
    path, _sep, query = path.partition("?")
    env = inprocess.environ(path, QUERY_STRING=query, HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    b"".join(application(env, start_response))
    return answer["status"]


def measure(state: dict, n: int, rounds: int, profile_rows: int) -> dict:
    from guanjia.wsgi import application

    ids = state["ids"]

    def paths(template: str):
        return [template.format(id=ids[i % len(ids)], project=state["project"]) for i in range(n)]

    report = {}
    for name, template in READS.items():
        calls = paths(template)
        for path in calls[:200]:
            assert _get(application, path, state["token"]) == 200, path
        took = []
        for _ in range(rounds):
            started = time.perf_counter()
            for path in calls:
                _get(application, path, state["token"])
            took.append((time.perf_counter() - started) / n * 1000)
        report[name] = round(statistics.median(took), 3)
        if profile_rows:
            profiler = cProfile.Profile()
            profiler.enable()
            for path in calls:
                _get(application, path, state["token"])
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(profile_rows)
            report[f"{name}: profile"] = text.getvalue()
    return report


def main() -> None:
    parser = inprocess.arguments()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="print the N functions with most time")
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(Path(args.state))
        return
    if args.stage == "measure":
        state = json.loads(Path(args.state).read_text())
        print(json.dumps(measure(state, args.n, args.rounds, args.profile)))
        return
    measure_args = ["--n", str(args.n), "--rounds", str(args.rounds), "--profile", str(args.profile)]
    report = inprocess.run_stages(__file__, "read", args, measure_args)
    for name, value in report.items():
        if name.endswith(": profile"):
            print(f"\n{name}\n{value}")
        else:
            print(f"{name}: {value} ms per call")


if __name__ == "__main__":
    main()
