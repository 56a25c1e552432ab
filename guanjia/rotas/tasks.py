"""Periodic jobs of rotas, idempotent: cover gaps flagged before the shift (one unique row per
post, shift, day and step) and shifts that ended without a clock-in marked absent (a conditional
update)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanjia.core.context import Source, change_context
from guanjia.rotas import services


def run_cover_check() -> int:
    with change_context(source=Source.JOB):
        return services.flag_cover_gaps()


def run_mark_absent() -> int:
    with change_context(source=Source.JOB):
        return services.mark_absent()


# Every half hour: a gap is flagged to the head 48 h ahead (or when it appears), to the manager 3 h ahead.
@db_periodic_task(crontab(minute="5,35"))
def rotas_cover_check() -> int:
    return run_cover_check()


@db_periodic_task(crontab(minute="*/15"))
def rotas_mark_absent() -> int:
    return run_mark_absent()
