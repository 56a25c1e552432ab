from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.boards.rollup import rollup_recent
from guanjia.core.context import Source, change_context


@db_periodic_task(crontab(minute="*/10"))
def rollup_figures_task() -> dict:
    """Every 10 minutes: re-sum the figures of the last finished days (``boards.rollup``). Safe to
    run late, twice, or on two consumers at once: each run replaces the same days' sums."""
    with change_context(source=Source.JOB):
        return rollup_recent()
