"""After the load test (.ci/production; docs/load.md): locust's numbers as the table of the docs,
then what must hold, read from the database and the logs. Exits non-zero when anything does not.

    python benchmarks/load/verify.py PREFIX SINCE   (the job's environment)

PREFIX: locust's ``--csv`` prefix; SINCE: the load's start, ISO 8601. Checks:

- no failed request; every kind of request's p99 under ``LOAD_P99_MS`` (default 20,000 ms:
  generous on purpose — CI's two cores are shared with other jobs, load average 20–30 when it was
  measured — it catches requests stuck behind locks or timing out, not slowness; docs/load.md);
- request numbers unique and gapless per project and month (``JY-202612-00001`` …);
- one winner in every collision: each request of the run accepted, reached and completed at most
  once, whatever the two phones of its technician sent;
- every paid order posted exactly once (one payment, with Alipay's trade number), its bills paid in
  full and no more; no bill in two paid orders;
- no deadlock in the PostgreSQL log (``PG_LOG``).
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from django.db.models import Count  # noqa: E402

from guanjia.billing.models import Bill, Payment  # noqa: E402
from guanjia.billing.selectors import with_amounts  # noqa: E402
from guanjia.payments.models import PayOrder, PayOrderBill  # noqa: E402
from guanjia.tickets.models import Ticket, TicketEvent  # noqa: E402

P99_MS = int(os.environ.get("LOAD_P99_MS", "20000"))
PROBLEMS: list[str] = []


def check(condition: bool, message: str) -> None:
    print(f"   {'ok ' if condition else 'FAIL'} {message}")
    if not condition:
        PROBLEMS.append(message)


def table(prefix: str) -> dict:
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print("| request | count | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in [*sorted((r for r in rows if r is not total), key=lambda r: r["Name"]), total]:
        name = "**all**" if row is total else f"{row['Type']} {row['Name']}"
        print(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.2f} | {row['50%']} | "
            f"{row['95%']} | {row['99%']} | {row['Failure Count']} |"
        )
    count, failures = int(total["Request Count"]), int(total["Failure Count"])
    collisions = sum(int(r["Request Count"]) for r in rows if "collision" in r["Name"])
    print(
        f"   {count} requests, {float(total['Requests/s']):.1f} req/s, {failures} errors "
        f"({100 * failures / max(count, 1):.2f} %), {collisions} collisions lost (409, as promised)"
    )
    check(count > 0 and failures == 0, f"no failed request ({failures} of {count})")
    slow = [(r["Name"], int(r["99%"])) for r in rows if r is not total and int(r["99%"] or 0) > P99_MS]
    check(not slow, f"every kind's p99 under {P99_MS} ms {slow or ''}")
    return {"count": count, "collisions": collisions}


def numbers_unique_and_gapless() -> None:
    by_month: dict[tuple[int, str], list[int]] = defaultdict(list)
    for project_id, number in Ticket.objects.values_list("project_id", "number"):
        head, _, n = number.rpartition("-")
        by_month[(project_id, head)].append(int(n))
    bad = {k: v for k, v in by_month.items() if sorted(v) != list(range(1, len(v) + 1))}
    total = sum(len(v) for v in by_month.values())
    check(not bad, f"request numbers unique and gapless ({total} requests, {len(by_month)} project-months)")


def one_winner(since: datetime.datetime) -> None:
    steps = (
        TicketEvent.objects.filter(
            ticket__received_at__gte=since, action__in=["accept", "arrive", "complete"]
        )
        .values("ticket_id", "action")
        .annotate(n=Count("id"))
    )
    twice = [s for s in steps if s["n"] > 1]
    done = Counter(s["action"] for s in steps)
    check(
        not twice,
        f"one winner in every collision: accepted {done['accept']}, arrived {done['arrive']}, "
        f"completed {done['complete']} requests, none twice",
    )


def paid_once(since: datetime.datetime) -> None:
    orders = PayOrder.objects.filter(created_at__gte=since)
    paid = list(orders.filter(status="paid"))
    refs = Counter(
        Payment.objects.filter(reference__in=[o.transaction_id for o in paid]).values_list(
            "reference", flat=True
        )
    )
    check(
        bool(paid) and all(o.payment_id and refs[o.transaction_id] == 1 for o in paid),
        f"every paid order posted exactly once ({len(paid)} paid of {orders.count()} opened)",
    )
    bill_ids = list(PayOrderBill.objects.filter(order__in=paid).values_list("bill_id", flat=True))
    check(len(bill_ids) == len(set(bill_ids)), f"no bill in two paid orders ({len(bill_ids)} bills)")
    bills = with_amounts(Bill.objects.filter(pk__in=bill_ids))
    wrong = [(b.pk, b.billed, b.paid) for b in bills if b.outstanding != 0 or b.paid != b.billed]
    check(not wrong, f"every paid bill paid in full, once {wrong[:5] or ''}")


def no_deadlock() -> None:
    log = Path(os.environ["PG_LOG"]).read_text(encoding="utf-8", errors="replace")
    found = re.findall(r".*deadlock detected.*", log)
    check(not found, f"no deadlock in the PostgreSQL log {found[:3] or ''}")


def main(prefix: str, since_text: str) -> None:
    since = datetime.datetime.fromisoformat(since_text)
    table(prefix)
    numbers_unique_and_gapless()
    one_winner(since)
    paid_once(since)
    no_deadlock()
    if PROBLEMS:
        raise SystemExit(f"load test: {len(PROBLEMS)} problem(s)")
    print("== load test passed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
