"""Periodic job of staff evaluation: each project's ranking sheet for the quarter just ended.

Idempotent: the unique constraint (one sheet per project and quarter) makes a second run, a late
run or two consumers at once draft nothing more (``services.draft_last_quarter``)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.evaluation import services
from guanjia.evaluation.rewards_escalation import escalate_rewards


def run_drafting() -> int:
    with change_context(source=Source.JOB):
        return services.draft_last_quarter()


# Daily at 02:30 in the first days of a quarter's first month: drafts what is missing, then nothing.
@db_periodic_task(crontab(month="1,4,7,10", day="1-5", hour="2", minute="30"))
def staff_ranking_draft() -> int:
    return run_drafting()


def run_reward_escalations() -> int:
    with change_context(source=Source.JOB):
        return escalate_rewards()


@db_periodic_task(crontab(minute="7"))
def reward_proposals_escalate() -> int:
    """Hourly: proposals of rewards and penalties left undecided climb their ladder (idempotent)."""
    return run_reward_escalations()
