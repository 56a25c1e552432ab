from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.renovation.escalation import escalate_due
from guanjia.renovation.services.inspections import make_patrols


def run_escalations() -> int:
    with change_context(source=Source.JOB):
        return escalate_due()


def run_patrols() -> int:
    with change_context(source=Source.JOB):
        return make_patrols()


@db_periodic_task(crontab(minute="*/5"))
def renovation_escalate_task() -> int:
    """Every five minutes: late approvals and rectifications climb their ladder, each step once."""
    return run_escalations()


@db_periodic_task(crontab(minute="*/30"))
def renovation_patrols_task() -> int:
    """Every half hour (the first run after midnight Shanghai makes the day's lists; later runs add
    units whose permit began that day): the patrol lists of renovating units, once per day."""
    return run_patrols()
