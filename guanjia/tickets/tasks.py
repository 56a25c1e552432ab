from huey.contrib.djhuey import db_task

from guanjia.core.context import Source, change_context
from guanjia.tickets.notify import notify_event


@db_task(retries=3, retry_delay=30)
def notify_ticket_event(event_id: int) -> None:
    """Idempotent: notifications carry a dedup key per event, so a retry never sends twice."""
    with change_context(source=Source.JOB):
        notify_event(event_id)
