"""Periodic jobs of facilities. Each is idempotent: unique constraints make a second run, a late run
or two consumers at once change nothing more (see the services they call)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.facilities import services


def run_generation() -> dict[str, int]:
    """Generate the tasks and rounds now due (catching up on any periods missed while down)."""
    with change_context(source=Source.JOB):
        return {"tasks": services.generate_tasks(), "rounds": services.generate_rounds()}


def run_follow_up() -> dict[str, int]:
    """Escalate overdue tasks and overdue rectifications, close rounds whose window ended, follow closed repair requests."""
    with change_context(source=Source.JOB):
        return {
            "escalations": services.escalate_overdue_tasks(),
            "repair_escalations": services.escalate_overdue_repairs(),
            "closed_rounds": services.close_rounds(),
            "repairs": services.sync_repairs(),
        }


@db_periodic_task(crontab(minute="*/10"))
def facilities_generate() -> dict[str, int]:
    return run_generation()


@db_periodic_task(crontab(minute="*"))
def facilities_follow_up() -> dict[str, int]:
    return run_follow_up()
