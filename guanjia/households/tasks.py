from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.households.escalation import escalate_claims


def run_escalations() -> int:
    with change_context(source=Source.JOB):
        return escalate_claims()


@db_periodic_task(crontab(minute="*/5"))
def escalate_claims_task() -> int:
    """Every five minutes: the due escalation steps of undecided claims (业主认证), each exactly once."""
    return run_escalations()
