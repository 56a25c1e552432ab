from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.sla.services import escalate_due


def run_escalations() -> int:
    """One pass of the escalation ladder as a background job (journaled as such)."""
    with change_context(source=Source.JOB):
        return escalate_due()


@db_periodic_task(crontab(minute="*"))
def escalate_due_task() -> int:
    """Every minute: take the escalation steps now due. Safe to run late, twice or on several
    consumers at once — each step is taken exactly once (see ``services.escalate_due``)."""
    return run_escalations()
