"""locust's ``*_stats.csv`` as the table of docs/performance.md: per kind of request its count,
requests per second, p50 / p95 / p99 in milliseconds and errors.

    python benchmarks/load_table.py PREFIX_stats.csv
"""

import csv
import sys


def main(path: str) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    print("| request | count | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else f"`{row['Type']} {row['Name']}`"
        print(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | "
            f"{row['95%']} | {row['99%']} | {row['Failure Count']} |"
        )


if __name__ == "__main__":
    main(sys.argv[1])
