"""Ceilings for the HTTP benchmark (``make bench``), mounted only by ``benchmarks.urls``
(the benchmark's own settings, never the site's): what a
Django JSON view costs with no database, with one indexed query for a page of 25 requests, and
with the request list's own statement run straight from a cursor. Every real endpoint is reported
as a ratio to the one-query ceiling; the third ceiling tells how much of the gap is the list's
rows themselves (names, place, the overdue flag) rather than the application around them."""

import datetime

from django.db import connection
from django.http import JsonResponse


def ping(request):
    return JsonResponse({"ok": True})


def one_query(request):
    project_id = int(request.GET.get("project_id", "0"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, number, status, received_at FROM tickets_ticket "
            "WHERE project_id = %s AND status NOT IN ('closed', 'cancelled') "
            "ORDER BY received_at DESC, id DESC LIMIT 25",
            [project_id],
        )
        rows = cursor.fetchall()
    return JsonResponse(
        {"items": [{"id": r[0], "number": r[1], "status": r[2], "received_at": r[3]} for r in rows]}
    )


# Stand-ins for the values of the list's statement, found again among its parameters by identity.
_COMPANY, _PROJECT = 2**62 - 1, 2**62 - 2
_NOW = datetime.datetime(2001, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC)
_list_statement = None


def _list_sql():
    """The SQL and parameters the API runs for an HQ user's "open requests of a project, first
    page", built once by the same selectors and filter, with stand-ins for the values."""
    global _list_statement
    if _list_statement is None:
        from guanjia.tickets.api import TicketFilter
        from guanjia.tickets.models import Ticket
        from guanjia.tickets.selectors import ticket_rows

        queryset = TicketFilter(open=True, project_id=_PROJECT).filter(
            Ticket.objects.filter(company_id=_COMPANY)
        )
        rows = ticket_rows(queryset, now=_NOW).order_by("-received_at", "-id")[:26]
        _list_statement = rows.query.sql_with_params()
    return _list_statement


def list_rows(request):
    """The request list's statement and row shaping, with no authentication, scope, filter
    parsing, ORM or schema: the fastest the list's rows can be served."""
    from django.utils import timezone

    from guanjia.tickets.selectors import shape_rows

    sql, params = _list_sql()
    values = {
        _COMPANY: int(request.GET.get("company_id", "0")),
        _PROJECT: int(request.GET.get("project_id", "0")),
        _NOW: timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [values.get(p, p) if isinstance(p, int | datetime.datetime) else p for p in params]
        )
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"items": shape_rows(rows[:25]), "next_cursor": None})
