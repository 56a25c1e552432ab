"""``/healthz``: what a load balancer or monitor asks to know that an app server can serve."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers and the cache (Redis in production) works; otherwise 503.

    No login and no data: it says only "ok" or which dependency failed.
    """
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # any failure means "not healthy": reported, not raised
        checks["database"] = "error"
    try:
        cache.set("guanjia-healthz", "1", 10)
        checks["cache"] = "ok" if cache.get("guanjia-healthz") == "1" else "error"
    except Exception:  # any failure means "not healthy": reported, not raised
        checks["cache"] = "error"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
