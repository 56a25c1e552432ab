"""Background jobs of notifications (Huey): deliver one row after commit; every minute, whatever is due."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanjia.core.context import Source, change_context
from guanjia.notifications import services


@db_task(retries=0)
def deliver_notification(notification_id: int) -> bool:
    """Deliver one push notification. Idempotent: a row already sent (or being sent) is not sent again.

    No Huey retries: a failure is recorded on the row and retried by ``deliver_due_notifications``
    with backoff, up to the row's ``max_attempts``.
    """
    with change_context(source=Source.JOB):
        return services.deliver(notification_id)


# The first push channel was e-mail; jobs queued under the old name still run.
deliver_email = deliver_notification


@db_periodic_task(crontab(minute="*"))
def deliver_due_notifications() -> int:
    """Every minute: retries whose backoff has passed and messages deferred past quiet hours."""
    with change_context(source=Source.JOB):
        return services.deliver_due()
