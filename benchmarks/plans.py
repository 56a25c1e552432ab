"""The plans of the statements the API serves, for ``loadbench``'s report (EXPLAIN at each size)."""

from __future__ import annotations

import re

from benchmarks.createfloor import api_client


def explain(user_name: str, password: str) -> str:
    """EXPLAIN the statements the API runs for the list, the overdue filters and the HQ board, captured
    from the endpoints themselves (so the plans are the served ones, not a reconstruction)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanjia.tickets.models import Ticket

    client = api_client(user_name, password)
    project_id = Ticket.objects.order_by("id").values_list("project_id", flat=True).first()
    endpoints = {
        "list": f"/api/v1/tickets?open=true&page_size=25&project_id={project_id}",
        "overdue": f"/api/v1/tickets?overdue=true&page_size=25&project_id={project_id}",
        "overdue, all projects": "/api/v1/tickets?overdue=true&page_size=25",
        "hq board": "/api/v1/boards/hq",
    }
    text = []
    for name, url in endpoints.items():
        client.get(url)  # token and scope into the cache: the captured run is the steady state
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        statements = [q["sql"] for q in captured.captured_queries if "guanjia_cache" not in q["sql"]]
        with connection.cursor() as cursor:
            for number, sql in enumerate(statements, 1):
                cursor.execute("EXPLAIN " + sql)
                label = name if len(statements) == 1 else f"{name}, query {number}"
                text.append((label, "\n".join(row[0] for row in cursor.fetchall())))
    big_scan = re.compile(r"Seq Scan on (tickets_ticket|sla_ticketdeadline)\s")
    return "\n".join(
        f"-- {name}{' (FULL SCAN!)' if big_scan.search(plan) else ''}\n{plan}" for name, plan in text
    )
