"""Periodic jobs of feedback. Idempotent: the tally is unique per project, month and target, and a
closed survey cannot be closed again, so a late, repeated or concurrent run changes nothing more."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanjia.core.context import Source, change_context
from guanjia.feedback import services


def run_publish_tallies() -> int:
    """Publish the ended months' card tally of every project (once)."""
    with change_context(source=Source.JOB):
        return services.publish_tallies()


def run_close_surveys() -> int:
    with change_context(source=Source.JOB):
        return services.close_due_surveys()


def run_escalate_cards() -> int:
    with change_context(source=Source.JOB):
        return services.escalate_overdue_cards()


@db_periodic_task(crontab(minute="35", hour="*"))
def feedback_escalate_cards() -> int:
    """Every hour: open yellow cards past their deadline are reported to HQ quality, once each."""
    return run_escalate_cards()


@db_periodic_task(crontab(minute="20", hour="*"))
def feedback_publish_tallies() -> int:
    """Every hour: as soon as a month has ended, its tally is stored; later runs find it there."""
    return run_publish_tallies()


@db_periodic_task(crontab(minute="25", hour="*"))
def feedback_close_surveys() -> int:
    """Every hour: surveys past their closing date stop taking answers."""
    return run_close_surveys()


@db_task(retries=3, retry_delay=30)
def notify_survey_opened(survey_id: int) -> int:
    """Tell every resident of the surveyed estates, in the background and in batches: an estate has
    thousands of households. Idempotent: one dedup key per survey, so a retry never notifies twice."""
    with change_context(source=Source.JOB):
        return services.notify_survey_opened(survey_id)


@db_periodic_task(crontab(minute="*/10"))
def feedback_resume_survey_notices() -> int:
    """Every 10 minutes: an opened survey whose notices did not all go out (the job was lost — a
    worker killed mid-way) is finished; who was told is skipped."""
    with change_context(source=Source.JOB):
        return services.resume_survey_notices()
