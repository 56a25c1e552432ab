from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.handover.escalation import escalate_due


def run_escalations() -> int:
    with change_context(source=Source.JOB):
        return escalate_due()


@db_periodic_task(crontab(minute="*/15"))
def handover_escalate_task() -> int:
    """Every quarter hour: developers' late rectifications climb their ladder, each step once."""
    return run_escalations()
