"""Jobs of the contractors app. Idempotent: each reminder and each ladder step is a unique row
inserted before anyone is told; expiry is a conditional update."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.contractors.services import escalate_undecided, expire_ended, remind_expiring
from guanjia.core.context import Source, change_context


def run_contract_watch() -> dict:
    with change_context(source=Source.JOB):
        return {
            "expired": expire_ended(),
            "reminded": remind_expiring(),
            "escalated": escalate_undecided(),
        }


@db_periodic_task(crontab(minute="7"))
def contracts_watch_task() -> dict:
    """Every hour: contracts past their end expire, owners are reminded ahead of the end, undecided
    renewals climb the ladder."""
    return run_contract_watch()
