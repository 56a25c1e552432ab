from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.quality.services import escalate_overdue, plan_audits


def run_planner() -> int:
    """Make this period's audits of every active plan (journaled as a background job)."""
    with change_context(source=Source.JOB):
        return plan_audits()


def run_escalations() -> int:
    with change_context(source=Source.JOB):
        return escalate_overdue()


@db_periodic_task(crontab(minute="7", hour="*"))
def plan_audits_task() -> int:
    """Every hour: make the audits of the current month / quarter / year that do not exist yet.
    Safe to run late, twice or on several consumers at once (unique plan, frequency, period)."""
    return run_planner()


@db_periodic_task(crontab(minute="*/5"))
def escalate_overdue_task() -> int:
    """Every five minutes: the due escalation steps of overdue corrective actions, each exactly once."""
    return run_escalations()
