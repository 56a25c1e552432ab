"""The create's floor (``loadbench``): the statements of one API create, captured from the endpoint,
replayed from bare PostgreSQL connections with no Django, HTTP or Python logic around them — how many
creates per second PostgreSQL alone takes on this machine, which the create target is measured against.
Runs in ``loadbench``'s process, with Django set up on the benchmark's database."""

from __future__ import annotations

import os
import re
import time


def api_client(user_name: str, password: str):
    """An in-process client calling the API with a fresh bearer token of ``user_name``, so that the
    statements captured are the ones the served endpoints run."""
    from django.test import Client, RequestFactory

    from guanjia.accounts.services import token_issue

    _token, raw = token_issue(request=RequestFactory().post("/"), username=user_name, password=password)
    return Client(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Bearer {raw}"})


def _captured_create(user_name: str, password: str) -> list[tuple[str, list, bool]]:
    """The statements (with their parameters) of one API create, as the endpoint runs them."""
    from django.db import connection

    from guanjia.estates.models import Unit
    from guanjia.tickets.models import TicketCategory

    client = api_client(user_name, password)
    body = {
        "unit_id": Unit.objects.order_by("id").values_list("id", flat=True).first(),
        "category_id": TicketCategory.objects.filter(parent__isnull=False)
        .values_list("id", flat=True)
        .first(),
        "description": "压测报修",
        "kind": "home_repair",
    }
    client.post("/api/v1/tickets", body, content_type="application/json")  # caches warm: the steady state
    statements = []

    def capture(execute, sql, params, many, context):
        if "guanjia_cache" not in sql:
            statements.append((sql, list(params or ()), many))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert client.post("/api/v1/tickets", body, content_type="application/json").status_code == 201
    return statements


def _swap(value, old, new):
    """``value`` with the captured request's id ``old`` replaced by ``new`` (also inside arrays)."""
    if isinstance(value, list):
        return [new if item == old else item for item in value]
    return new if value == old else value


def _replay_creates(database_url, statements, old_id, projects, seconds, results) -> None:
    """One bare connection replaying ``statements`` in a transaction each, as a new request every
    time: its own number, its own id in the rows that refer to it, a project's own counter row."""
    import random

    import psycopg

    ticket_insert = next(
        i for i, (sql, _p, _m) in enumerate(statements) if sql.startswith('INSERT INTO "tickets_ticket" ')
    )
    columns = re.search(r"\((.*?)\) VALUES", statements[ticket_insert][0]).group(1).split(", ")
    number_at = columns.index('"number"')
    done = 0
    with psycopg.connect(database_url) as conn:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            new_id = None
            with conn.transaction(), conn.cursor() as cursor:
                for position, (sql, params, many) in enumerate(statements):
                    params = list(params)
                    if "tickets_ticketcounter" in sql and sql.startswith("UPDATE"):
                        params[0] = random.choice(projects)
                    elif position == ticket_insert:
                        params[number_at] = f"R{os.getpid() % 100000}-{done}"
                    elif new_id is not None:
                        params = [_swap(v, old_id, new_id) for v in params]
                    (cursor.executemany if many else cursor.execute)(sql, params)
                    if position == ticket_insert:
                        new_id = cursor.fetchone()[0]
            done += 1
    results.put(done)


def create_floor(
    database_url: str, seconds: int, *, user_name: str, password: str, connections: int = 2
) -> float:
    """Creates per second PostgreSQL alone takes on this machine: the statements of one API create,
    captured from the endpoint, replayed from ``connections`` bare connections (as many as gunicorn
    workers), with no Django, HTTP or Python logic around them. The create target is measured against it."""
    import multiprocessing

    from django.db import connection

    from guanjia.tickets.models import Ticket

    statements = _captured_create(user_name, password)
    old_id = Ticket.objects.order_by("-id").values_list("id", flat=True).first()
    counter = next(
        params for sql, params, _m in statements if sql.startswith('UPDATE "tickets_ticketcounter"')
    )
    with connection.cursor() as cursor:
        # Each replayed create takes the counter row of a project that has one this period, as the
        # benchmark's creates spread over every project (one row would queue them all on its lock).
        cursor.execute("SELECT project_id FROM tickets_ticketcounter WHERE period = %s", [counter[1]])
        projects = [row[0] for row in cursor.fetchall()]
    written = ("core_objectchange", "tickets_ticketevent", "sla_ticketdeadline", "tickets_ticket")
    with connection.cursor() as cursor:
        before = {}
        for table in written:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            before[table] = cursor.fetchone()[0]
    results = multiprocessing.get_context("fork").Queue()
    workers = [
        multiprocessing.get_context("fork").Process(
            target=_replay_creates, args=(database_url, statements, old_id, projects, seconds, results)
        )
        for _ in range(connections)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done = sum(results.get() for _ in workers)
    # The replayed requests go again, so the next measurements see the same open backlog as before,
    # and their ids are given out again, so the detail's random ids do not fall into a hole (404).
    with connection.cursor() as cursor:
        # Their auto-dispatch outbox rows (no job was queued for a replayed create) go first.
        cursor.execute(
            "DELETE FROM dispatch_pendingdispatch WHERE ticket_id > %s", [before["tickets_ticket"]]
        )
        for table in written:
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [before[table]])
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                [table, max(before[table], 1), before[table] > 0],
            )
        for table in written:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return done / seconds
