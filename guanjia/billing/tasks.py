"""Periodic jobs of fees. Each is idempotent: run twice, late or on two consumers at once, they
never issue a second bill (unique constraint per unit and month, project row lock) nor send a
second reminder (the notification's dedup key per bill and month)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.billing import services
from guanjia.core.context import Source, change_context


def run_generation() -> int:
    """This month's bills for every project that bills something (catches up if the 1st was missed)."""
    with change_context(source=Source.JOB):
        return services.generate_due_bills()


def run_reminders() -> int:
    """Remind residents of bills past due: once per bill and month; quiet hours are kept by notify."""
    with change_context(source=Source.JOB):
        return services.remind_arrears()


@db_periodic_task(crontab(hour="1", minute="30"))
def billing_generate() -> int:
    # Daily rather than only on the 1st: a day the worker was down is made up the next night.
    return run_generation()


@db_periodic_task(crontab(hour="10", minute="0", day="5,15,25"))
def billing_remind() -> int:
    return run_reminders()
