"""The gate's periodic job: revoke the access cards whose right has gone (idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.gate.services.cards import revoke_due_cards


@db_periodic_task(crontab(minute="15", hour="*"))
def revoke_cards() -> int:
    """Hourly (a card expires at the day's change; a move-out planned for today ends at midnight)."""
    with change_context(source=Source.JOB):
        return revoke_due_cards()
