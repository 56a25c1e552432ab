"""Auto-dispatch in the worker: a queued request right after its create commits, and the sweep."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanjia.core.context import Source, change_context
from guanjia.dispatch import services


@db_task(retries=0)
def dispatch_waiting_task(ticket_id: int) -> bool:
    """Dispatch one queued request. No Huey retries: a failure leaves it queued for the sweep."""
    with change_context(source=Source.JOB):
        return services.dispatch_waiting(ticket_id) is not None


@db_periodic_task(crontab(minute="*"))
def dispatch_left_behind_task() -> int:
    """Every minute: the queued requests whose job was lost. Safe twice or on several consumers."""
    with change_context(source=Source.JOB):
        return services.dispatch_left_behind()
