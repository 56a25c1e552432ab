import logging

import pytest


@pytest.fixture
def sms(caplog, django_capture_on_commit_callbacks):
    """Every SMS sent (through the default LogBackend) is readable from ``caplog``; callbacks run."""
    caplog.set_level(logging.INFO, logger="guanjia.notifications.channels")
    return caplog


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``on_commit`` work (jobs, SMS delivery) as a real commit would: ``with committed(): …``."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    """These tests read the SMS a resident is sent, at whatever hour they run; quiet hours (which
    defer non-urgent SMS to residents, at noon and at night) have their own tests."""
    settings.GUANJIA_QUIET_HOURS = []
