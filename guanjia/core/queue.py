"""The job queue (Huey) as Guanjia runs it: jobs carry the request id of the request that enqueued
them, and a job enqueued while the queue (Redis) is unreachable waits in the database instead of
being lost.

- **Request id**: ``enqueue`` adds ``{"request_id", "enqueued_at"}`` under ``META_KEY`` to the
  task's keyword arguments; ``execute`` takes it out again before the task function runs and binds
  the id (``core.requestid``), so the job's log lines and journal entries carry the id of the
  request that caused them. ``enqueued_at`` gives the queue's oldest-job age (``core.metrics``).
- **Redis down**: the web keeps answering. A job that cannot be enqueued is kept as a
  ``ParkedJob`` row (the serialized task, as Huey would have stored it), written in the caller's
  transaction when there is one; ``requeue_parked_jobs`` (a periodic job of ``core.tasks``, every
  minute) moves such rows into the queue once it answers again. Jobs are idempotent (a job run twice
  does nothing the second time), so a row re-queued twice after a crash does no harm. Periodic jobs
  are not parked: the scheduler enqueues them again at their next time.

The settings name these classes as ``HUEY["huey_class"]``. This module is imported while Django
populates its apps (by ``huey.contrib.djhuey``), so it reads no models at import time.
"""

from __future__ import annotations

import logging
import time

import huey
from huey.api import PeriodicTask

from guanjia.core import requestid

logger = logging.getLogger(__name__)

META_KEY = "_guanjia"
# What a queue that cannot be reached raises (Redis refused or timed out; a locked SQLite file).
try:  # pragma: no branch - redis is a dependency; the guard keeps SQLite-only set-ups importable
    from redis.exceptions import RedisError as _RedisError

    UNREACHABLE: tuple[type[BaseException], ...] = (_RedisError, OSError)
except ImportError:  # pragma: no cover
    UNREACHABLE = (OSError,)


class GuanjiaHueyMixin:
    """Request ids into jobs, and jobs parked in the database while the queue is unreachable."""

    def enqueue(self, task):
        if isinstance(getattr(task, "kwargs", None), dict) and META_KEY not in task.kwargs:
            task.kwargs[META_KEY] = {"request_id": requestid.current_id(), "enqueued_at": time.time()}
        try:
            return super().enqueue(task)
        except UNREACHABLE:
            if isinstance(task, PeriodicTask) or not isinstance(task, huey.api.Task):
                raise
            park(self.serialize_task(task), task.priority, task.name)
            logger.warning(
                "The job queue is unreachable: job %s (%s) waits in the database", task.name, task.id
            )
            return None

    def execute(self, task, timestamp=None):
        meta = task.kwargs.pop(META_KEY, None) if isinstance(task.kwargs, dict) else None
        job_request_id = (meta or {}).get("request_id") or requestid.new_id()
        with requestid.bound(job_request_id, path=f"job:{task.name}"):
            return super().execute(task, timestamp)


class _FailFastRedis:
    """Short socket timeouts: with Redis down, enqueueing fails (and the job is parked) in about a
    second instead of holding the request."""

    def get_storage(self, **kwargs):
        url = kwargs.pop("url", None)
        if url and "connection_pool" not in kwargs:
            from redis import ConnectionPool

            kwargs["connection_pool"] = ConnectionPool.from_url(
                url, socket_connect_timeout=2, socket_timeout=10
            )
        return super().get_storage(**kwargs)


class PriorityRedisHuey(GuanjiaHueyMixin, _FailFastRedis, huey.PriorityRedisHuey):
    pass


class RedisHuey(GuanjiaHueyMixin, _FailFastRedis, huey.RedisHuey):
    pass


class SqliteHuey(GuanjiaHueyMixin, huey.SqliteHuey):
    pass


class MemoryHuey(GuanjiaHueyMixin, huey.MemoryHuey):
    pass


def park(data: bytes, priority: int | None, name: str) -> None:
    from guanjia.core.models import ParkedJob

    ParkedJob.objects.create(name=name[:200], priority=priority or 0, data=data)


def requeue_parked(queue=None, *, batch: int = 500) -> int:
    """Move parked jobs into the queue, oldest first; stop at the first refusal (still down).
    The number moved."""
    from guanjia.core.models import ParkedJob

    if queue is None:
        from huey.contrib.djhuey import HUEY as queue
    moved = 0
    for job in ParkedJob.objects.order_by("id")[:batch]:
        try:
            queue.storage.enqueue(bytes(job.data), job.priority)
        except UNREACHABLE:
            logger.warning("The job queue is still unreachable: %s jobs wait in the database", batch - moved)
            break
        ParkedJob.objects.filter(pk=job.pk).delete()
        moved += 1
    if moved:
        logger.info("Moved %s waiting jobs from the database into the queue", moved)
    return moved


def oldest_pending_age(queue, *, now: float | None = None, limit: int = 1000) -> float | None:
    """Seconds since the oldest of the first ``limit`` waiting jobs was enqueued (None: empty)."""
    now = time.time() if now is None else now
    oldest = None
    for data in queue.storage.enqueued_items(limit):
        try:
            message = queue.serializer.deserialize(data)
        except Exception:  # noqa: S112 - a message of an unknown task: no age to read
            continue
        meta = (message.kwargs or {}).get(META_KEY) or {}
        at = meta.get("enqueued_at")
        if isinstance(at, int | float) and (oldest is None or at < oldest):
            oldest = at
    return None if oldest is None else max(0.0, now - oldest)
