"""Background jobs of the foundation (Huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core import queue


@db_periodic_task(crontab(minute="*"))
def requeue_parked_jobs() -> int:
    """Every minute: jobs kept in the database while the queue was unreachable go into it."""
    return queue.requeue_parked()
