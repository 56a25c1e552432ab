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
