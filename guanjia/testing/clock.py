"""A test's clock set to a time of day: rules counted per calendar day (Asia/Shanghai) must not
depend on when the suite runs — CI may cross midnight in the middle of a test."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


@contextmanager
def local_time_today(hour: int, minute: int = 0):
    """Inside, ``timezone.now()`` reads today's ``hour:minute`` local time and moves on from there
    with the real clock. Yields that starting moment."""
    real_now = timezone.now
    started = real_now()
    anchor = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(started), datetime.time(hour, minute))
    )
    with mock.patch("django.utils.timezone.now", side_effect=lambda: anchor + (real_now() - started)):
        yield anchor
