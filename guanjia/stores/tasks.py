"""Jobs of the stores: purchase requests waiting for approval past their deadline climb their
ladder; idempotent (one row per request, stage and step)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.stores.escalation import escalate_purchases


def run_escalations() -> int:
    with change_context(source=Source.JOB):
        return escalate_purchases()


@db_periodic_task(crontab(minute="*/15"))
def stores_escalate_purchases() -> int:
    """Every quarter hour: late approvals are reminded, then reported to HQ."""
    return run_escalations()
