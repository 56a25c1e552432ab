"""Two ceilings for the HTTP benchmark (``make bench``), mounted only when GUANJIA_BENCH=1:
what a Django JSON view costs with no database, and with one indexed query for a page of 25
requests. Every real endpoint is reported as a ratio to the one-query ceiling."""

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
