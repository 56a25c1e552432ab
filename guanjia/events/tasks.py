"""Jobs of events. Idempotent: each escalation step of a late event is a unique row inserted before
anyone is told, so a rerun, a late run or two workers take it once."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.events.escalation import escalate_events


def run_escalations() -> int:
    with change_context(source=Source.JOB):
        return escalate_events()


@db_periodic_task(crontab(minute="*/15"))
def events_escalate_task() -> int:
    """Every quarter hour: events past their end not marked held and summed up climb their ladder."""
    return run_escalations()
