"""Jobs of notices. Idempotent: a scheduled notice is published under its row lock once (a rerun finds
it published), and an urgent notice's push carries one dedup key per notice, so nobody is told twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanjia.core.context import Source, change_context
from guanjia.notices import services


def run_publish_due() -> int:
    with change_context(source=Source.JOB):
        return services.publish_due()


@db_periodic_task(crontab(minute="*"))
def notices_publish_due() -> int:
    """Every minute: the scheduled notices whose time has come go live (and urgent ones are pushed)."""
    return run_publish_due()


@db_task(retries=3, retry_delay=60)
def push_notice(notice_id: int) -> int:
    """An urgent notice to every addressed household, written in batches (thousands of households)."""
    with change_context(source=Source.JOB):
        return services.push_notice(notice_id)
