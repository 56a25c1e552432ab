"""Periodic job of the lending register: the overdue reminders, idempotent (one per loan per
Shanghai day, guarded by a unique row)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.lending import services


def run_reminders() -> int:
    with change_context(source=Source.JOB):
        return services.remind_overdue()


# Hourly: a reminder goes out on the first run of each day (quiet hours hold it for residents).
@db_periodic_task(crontab(minute="15"))
def lending_remind_overdue() -> int:
    return run_reminders()
