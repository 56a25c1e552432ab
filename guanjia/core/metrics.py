"""Prometheus metrics at ``/metrics``: how long requests take, how much work is waiting.

- ``guanjia_http_request_duration_seconds{route, method, status}``: a histogram of the time each
  request took, by its route — the resolved URL name (``tickets:detail``, ``api:ticket_list``),
  never the raw path, so ids do not multiply the series — and its status class (``2xx``, ``5xx``).
  Paths no route matches count under ``unmatched``.
- Gauges computed when Prometheus scrapes (so every app server answers the same, whichever worker
  serves the scrape): the queue's waiting jobs and the age of the oldest, the jobs kept in the
  database while the queue was unreachable (``core.queue``), and what apps register with
  ``register_gauge`` from their ``AppConfig.ready()`` (notifications waiting, overdue deadlines):
  the foundation knows no domain app.

Several gunicorn workers: a histogram lives in each worker's memory. With
``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, wiped when the app server starts),
prometheus_client writes every worker's samples there and a scrape adds them up; without it, a
scrape sees only the worker that answers it (fine with one worker, or under ``runserver``). See
docs/operations.md.

Access: only from ``METRICS_ALLOWED_ADDRESSES`` (addresses or networks, the client address as seen
through the trusted proxies) or with ``Authorization: Bearer $GUANJIA_METRICS_TOKEN``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from guanjia.core.clients import client_address

logger = logging.getLogger(__name__)

REQUEST_DURATION = Histogram(
    "guanjia_http_request_duration_seconds",
    "Time to answer a request, by route (URL name), method and status class.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,  # added to each scrape's registry (or read from the multiprocess directory)
)

Sample = tuple[Sequence[str], float]


@dataclass(frozen=True)
class _Gauge:
    name: str
    documentation: str
    labels: tuple[str, ...]
    collect: Callable[[], Iterable[Sample]]


_gauges: dict[str, _Gauge] = {}


def register_gauge(
    name: str, documentation: str, collect: Callable[[], Iterable[Sample]], *, labels: Sequence[str] = ()
) -> None:
    """A gauge computed at each scrape: ``collect()`` yields ``(label values, value)`` pairs. It
    should be one cheap, indexed query. Registering the same name again replaces it."""
    _gauges[name] = _Gauge(name, documentation, tuple(labels), collect)


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class MetricsMiddleware:
    """Times every request (outermost but the request id, so the time includes the middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        try:
            key = (
                route_of(request),
                request.method if request.method in _METHODS else "other",
                response.status_code // 100,
            )
            series = _series.get(key)
            if series is None:  # one child per route, method and status class, made once
                series = _series[key] = REQUEST_DURATION.labels(
                    route=key[0], method=key[1], status=f"{key[2]}xx"
                )
            series.observe(time.perf_counter() - start)
        except Exception:  # a metric never breaks a request
            logger.exception("Could not record the request's metrics")
        return response


_series: dict[tuple[str, str, int], object] = {}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _ScrapeTimeGauges:
    """The queue's state and the apps' registered gauges, read when Prometheus scrapes."""

    def collect(self):
        failed = GaugeMetricFamily(
            "guanjia_metrics_collect_errors",
            "1 when a gauge could not be read in this scrape.",
            labels=["gauge"],
        )
        for family in _queue_families(failed):
            yield family
        for gauge in list(_gauges.values()):
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
            try:
                for label_values, value in gauge.collect():
                    family.add_metric([str(v) for v in label_values], float(value))
            except Exception:
                logger.exception("Could not read the gauge %s", gauge.name)
                failed.add_metric([gauge.name], 1.0)
                continue
            yield family
        yield failed


def _queue_families(failed):
    from huey.contrib.djhuey import HUEY

    from guanjia.core.models import ParkedJob
    from guanjia.core.queue import oldest_pending_age

    pending = GaugeMetricFamily("guanjia_queue_pending_jobs", "Jobs waiting in the queue.")
    oldest = GaugeMetricFamily(
        "guanjia_queue_oldest_job_age_seconds",
        "Seconds the oldest waiting job has waited (0 when none waits).",
    )
    try:
        pending.add_metric([], float(HUEY.pending_count()))
        oldest.add_metric([], oldest_pending_age(HUEY) or 0.0)
        yield pending
        yield oldest
    except Exception:
        logger.warning("Could not read the job queue for the metrics", exc_info=True)
        failed.add_metric(["guanjia_queue_pending_jobs"], 1.0)
    parked = GaugeMetricFamily(
        "guanjia_queue_parked_jobs", "Jobs kept in the database while the queue was unreachable."
    )
    try:
        parked.add_metric([], float(ParkedJob.objects.count()))
        yield parked
    except Exception:
        logger.warning("Could not count the parked jobs for the metrics", exc_info=True)
        failed.add_metric(["guanjia_queue_parked_jobs"], 1.0)


def scrape() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_DURATION)
    registry.register(_ScrapeTimeGauges())
    return generate_latest(registry)


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    address = client_address(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_ADDRESSES)


@never_cache
@require_GET
def metrics_view(request):
    if not _allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)


def seconds_since(moment) -> float:
    """A gauge's age helper: seconds from ``moment`` (aware) to now, 0 for None."""
    if moment is None:
        return 0.0
    return max(0.0, (timezone.now() - moment).total_seconds())
