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


def run_loops() -> dict:
    """The loops that reach the bill: paid services confirmed without a bill yet, the 买单式 result
    applied to bills of the months it governs, late fees up to today. Each idempotent."""
    with change_context(source=Source.JOB):
        return {
            "service_bills": services.bill_confirmed_charges_scheduled(),
            "settlements": services.fee_settlements_scheduled(),
            "late_fees": services.late_fees_accrue()["bills"],
        }


@db_periodic_task(crontab(hour="2", minute="10"))
def billing_loops() -> dict:
    # Daily: a night the worker was down is made up (late fees are computed from the ledger's history).
    return run_loops()
