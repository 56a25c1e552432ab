"""Periodic jobs of online payment. Idempotent: an order's state only moves forward under its row
lock, a payment is posted once per transaction id, a refund is claimed before it is sent."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanjia.core.context import Source, change_context
from guanjia.payments import services


@db_periodic_task(crontab(minute="*"))
def payments_sweep() -> dict:
    """Every minute: query orders with no callback, close the unpaid ones past 30 minutes, ask
    about refunds the gateway has not confirmed."""
    with change_context(source=Source.JOB):
        return {
            "posted": services.query_unnotified(),
            "closed": services.close_expired(),
            "refunds": services.query_refunds(),
        }


@db_periodic_task(crontab(minute="*/5"))
def payments_refunds_retry() -> int:
    with change_context(source=Source.JOB):
        return services.resend_pending()


@db_task()
def payments_refund_send(refund_id: int) -> str:
    with change_context(source=Source.JOB):
        return services.refund_send(refund_id)


@db_periodic_task(crontab(hour="2", minute="30"))
def payments_reconcile() -> int:
    """Daily at 10:30 Shanghai (02:30 UTC): yesterday's trade bills against the ledger."""
    with change_context(source=Source.JOB):
        return services.reconcile_yesterday()
