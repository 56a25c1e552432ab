from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.committee.escalation import escalate_due
from guanjia.committee.services.votes import close_due
from guanjia.core.context import Source, change_context


def run_jobs() -> tuple[int, int]:
    with change_context(source=Source.JOB):
        return close_due(), escalate_due()


@db_periodic_task(crontab(minute="*/5"))
def committee_jobs_task() -> tuple[int, int]:
    """Every five minutes: close (and count) the votes past their end; escalate late resolutions
    and unanswered suggestions, each step exactly once."""
    return run_jobs()
