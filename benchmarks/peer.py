"""The peers in the same run as ``benchmarks.loadbench`` (``make bench`` with ``BENCH_PEER``).

The shared peer harness (``run_all.sh``: pgbench, a bare Django view with and without
startproject's middleware, django-helpdesk holding 200,000 tickets, plain Django with one query on
its ticket table) runs first, on the same machine and with the same wrk settings, into a directory of
the load benchmark's; its raw lines are read back here and set beside Guanjia's figures of the same
run. Ratios taken from one run do not depend on how fast the box is; absolute req/s do.
"""

from __future__ import annotations

import os
import statistics
import subprocess
from collections import defaultdict
from pathlib import Path


def run(harness: Path, work: Path, *, runs: int, duration: int, connections: int) -> dict:
    """Run the peer harness (django-helpdesk's minute-long API reads left out: SLOW=0) and return its
    medians. Its own table stays in ``work/results.md``."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "GUANJIA_TESTING", "VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(name, None)
    env.update(WORK=str(work), SLOW="0", RUNS=str(runs), DUR=f"{duration}s", CONC=str(connections))
    work.mkdir(parents=True, exist_ok=True)
    with open(work / "run_all.log", "w", encoding="utf-8") as log:
        # The harness is a path the person running the benchmark named.
        subprocess.run(  # noqa: S603
            ["/bin/bash", str(harness / "run_all.sh")], env=env, stdout=log, stderr=log, check=True
        )
    return read_raw(work / "raw.tsv")


def read_raw(path: Path) -> dict:
    """``{label: {"rps", "p50", "p99", "errors"}}`` for wrk lines (medians of the runs) and
    ``{label: {"seconds"}}`` for one-at-a-time lines, plus ``"meta"``."""
    wrk, seq, meta = defaultdict(list), defaultdict(list), {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        try:
            if fields[0] == "wrk":  # wrk label run rps p50 p99 errors requests
                wrk[fields[1]].append([float(x) for x in fields[3:7]])
            elif fields[0] == "seq":  # seq label run status seconds
                seq[fields[1]].append(float(fields[4]))
            elif fields[0] == "meta":
                meta[fields[1]] = fields[2]
        except (ValueError, IndexError):
            continue
    figures: dict = {"meta": meta}
    for label, rows in wrk.items():
        columns = list(zip(*rows, strict=True))
        figures[label] = {
            "rps": statistics.median(columns[0]),
            "p50": statistics.median(columns[1]),
            "p99": statistics.median(columns[2]),
            "errors": int(sum(columns[3])),
        }
    for label, seconds in seq.items():
        figures[label] = {"seconds": statistics.median(seconds)}
    return figures


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "—"
    return f"{a / b:.2f}×"


def _rps(result: dict | None) -> float | None:
    return result.get("rps") if result else None


def beside(peer: dict, small: dict, large: dict, n_small: int, n_large: int) -> str:
    """One table: each comparison the performance issue sets a target on, from this run."""
    tickets = peer.get("meta", {}).get("data", "").split(" ")[0]
    g_small = {k: _rps(small.get(k)) for k in small if isinstance(small.get(k), dict)}
    g_large = {k: _rps(large.get(k)) for k in large if isinstance(large.get(k), dict)}
    dashboard = peer.get("djh-dashboard-ui", {}).get("seconds")
    rows = [
        ("staff list · a project's open requests", "djh-list-ui", "list", "—"),
        ("ticket page · a request's detail", "djh-detail-ui", "detail", "—"),
        ("create through the API", "djh-create-api", "create", "≥ 3×"),
    ]
    lines = [
        f"| comparison | peer ({tickets or 'django-helpdesk'}) req/s | Guanjia req/s at {n_small:,} "
        f"| Guanjia req/s at {n_large:,} | Guanjia ÷ peer at {n_large:,} | target |",
        "|---|---|---|---|---|---|",
    ]
    for title, peer_label, kind, target in rows:
        p = _rps(peer.get(peer_label))
        lines.append(
            f"| {title} | {p or float('nan'):,.1f} | {g_small.get(kind) or float('nan'):,.0f} "
            f"| {g_large.get(kind) or float('nan'):,.0f} | {_ratio(g_large.get(kind), p)} | {target} |"
        )
    sustained = [(f.get("create") or {}).get("sustained") for f in (small, large)]
    if all(sustained):
        p = _rps(peer.get("djh-create-api"))
        lines.append(
            f"| create, received and auto-dispatched by the worker (to the last dispatch) | {p or float('nan'):,.1f} "
            f"| {sustained[0]:,.0f} | {sustained[1]:,.0f} | {_ratio(sustained[1], p)} | — |"
        )
    if dashboard:
        lines.append(
            f"| dashboard · HQ board | {1 / dashboard:.3f} ({dashboard:.2f} s per request) "
            f"| {g_small.get('hq_board') or float('nan'):,.0f} | {g_large.get('hq_board') or float('nan'):,.0f} "
            f"| {_ratio(g_large.get('hq_board'), 1 / dashboard)} | — |"
        )
    bare = _rps(peer.get("ceiling-mw-sync"))
    lines.append(
        f"| no-database ping · bare Django view with startproject's middleware (peer) vs the site's "
        f"middleware (Guanjia) | {bare or float('nan'):,.0f} | {g_small.get('ping') or float('nan'):,.0f} "
        f"| {g_large.get('ping') or float('nan'):,.0f} | {_ratio(g_large.get('ping'), bare)} | ≥ 0.80× |"
    )
    lines.append("")
    lines.append(f"| Guanjia against its own ceilings | at {n_small:,} | at {n_large:,} | target |")
    lines.append("|---|---|---|---|")
    if "ping_bare" in small and "ping_bare" in large:
        lines.append(
            "| no-database ping ÷ the bare Django view with startproject's middleware, measured in turns "
            f"| {_ratio(g_small.get('ping'), g_small.get('ping_bare'))} "
            f"| {_ratio(g_large.get('ping'), g_large.get('ping_bare'))} | ≥ 0.80× |"
        )
    own = [
        ("create ÷ its statements replayed by PostgreSQL alone", "create", "create_floor", "≥ 0.35×"),
        ("list ÷ the list's own statement from a bare cursor", "list", "list_rows", "≥ 0.60×"),
        ("detail ÷ the one-query ceiling (25 rows, one indexed query)", "detail", "one_query", "≥ 0.50×"),
    ]
    for title, kind, ceiling, target in own:
        values = []
        for figures in (small, large):
            top = figures.get(ceiling)
            top = top if isinstance(top, float) else _rps(top)
            values.append(_ratio(_rps(figures.get(kind)), top))
        lines.append(f"| {title} | {values[0]} | {values[1]} | {target} |")
    one_row = _rps(peer.get("dbceil-detail"))
    lines.append(
        f"| detail ÷ plain Django reading one row by id (the peer's dbceil-detail) | "
        f"{_ratio(g_small.get('detail'), one_row)} | {_ratio(g_large.get('detail'), one_row)} | — |"
    )
    figures_p50 = [
        _ratio((f.get("figures") or {}).get("p50"), (f.get("detail") or {}).get("p50"))
        for f in (small, large)
    ]
    lines.append(f"| monthly figures p50 ÷ detail p50 | {figures_p50[0]} | {figures_p50[1]} | ≤ 10× |")
    return "\n".join(lines)
