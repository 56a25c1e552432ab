"""Jobs of residents' sign-in: send a code's SMS after commit; every minute, blank sent secrets."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanjia.core.context import Source, change_context
from guanjia.residents import delivery


@db_task(retries=0)
def send_sign_in_code(code_id: int, code: str) -> bool:
    """Send one sign-in code (once: a code already handed to the outbox is not sent again)."""
    with change_context(source=Source.JOB):
        return delivery.send_code(code_id, code)


@db_periodic_task(crontab(minute="*"))
def redact_sent_secrets() -> int:
    """Every minute: mask the codes and links of SMS that were sent, failed or outlived them;
    forget sign-in codes and their counters after a day."""
    with change_context(source=Source.JOB):
        return delivery.redact_sent()


@db_task(retries=0)
def invite_imported(actor_id: int, resident_ids: list[int]) -> int:
    """After an import with "invite": each resident not invited yet (or expired) is invited once;
    running it again invites nobody twice (the service's state and re-send limits)."""
    with change_context(source=Source.JOB):
        return delivery.invite_residents(actor_id=actor_id, resident_ids=resident_ids)
