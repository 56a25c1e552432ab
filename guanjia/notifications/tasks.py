"""Background jobs of notifications (Huey)."""

from huey.contrib.djhuey import db_task

from guanjia.core.context import Source, change_context


@db_task(retries=0)
def deliver_email(notification_id: int) -> bool:
    """Send one e-mail notification. Idempotent: a notification already sent is not sent again."""
    from guanjia.notifications import services

    with change_context(source=Source.JOB):
        return services.deliver_email(notification_id=notification_id)
