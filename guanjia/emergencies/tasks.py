from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.emergencies.services import recall_due


def run_recalls() -> int:
    """One pass of the re-calls as a background job (journaled as such)."""
    with change_context(source=Source.JOB):
        return recall_due()


@db_periodic_task(crontab(minute="*"))
def recall_due_task() -> int:
    """Every minute: call again whoever has not acknowledged an incident. Safe to run late, twice
    or on several consumers at once — each re-call step happens once (``services.recall_due``)."""
    return run_recalls()
