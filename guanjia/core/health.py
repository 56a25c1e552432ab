"""Health for load balancers and monitors: ``/healthz`` (is the process alive?) and ``/readyz``
(can it serve: database, cache, queue, file storage?).

Both answer without a login and say nothing but each check's name, ``ok`` or ``error``, and how
long it took — no host names, versions or error texts (those go to the log, with the request id).

- ``/healthz`` — liveness: 200 as long as the process answers. It touches no dependency, so a
  database outage does not make the orchestrator restart every app server.
- ``/readyz`` — readiness: 200 when every check passes, 503 otherwise (take the server out of the
  load balancer until it passes again):
  ``database`` (``SELECT 1``), ``cache`` (a write read back), ``queue`` (the Huey storage answers
  its length), ``storage`` (a small file written, read back and deleted through
  ``default_storage``: the local disk and S3 alike).
"""

from __future__ import annotations

import logging
import time
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"guanjia-readyz-{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("the cache did not keep a value")
    finally:
        cache.delete(key)


def check_queue() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.pending_count()


def check_storage() -> None:
    payload = uuid.uuid4().hex.encode()
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(payload))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != payload:
                raise RuntimeError("the storage returned other content")
    finally:
        default_storage.delete(name)


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
    "storage": check_storage,
}


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers. No dependency is touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Readiness: each dependency's state and time; 503 when any fails."""
    checks = {}
    for name, check in CHECKS.items():
        start = time.perf_counter()
        try:
            check()
            status = "ok"
        except Exception:  # any failure means "not ready": logged, reported by name only
            logger.warning("Readiness check %s failed", name, exc_info=True)
            status = "error"
        checks[name] = {"status": status, "ms": round((time.perf_counter() - start) * 1000, 1)}
    ready = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "error", "checks": checks}, status=200 if ready else 503
    )
