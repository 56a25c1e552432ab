"""What an operator sees: readiness per dependency, a request id in the answer, in every log line of
the request and of the jobs it caused, JSON logs in UTC written once, and metrics by route."""

import datetime
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from guanjia.core import queue, requestid
from guanjia.core.logs import JsonFormatter, RequestContext
from guanjia.core.models import ObjectChange, ParkedJob
from guanjia.notifications.models import Notification
from guanjia.sla.models import TicketDeadline
from guanjia.testing.api import Api
from guanjia.tickets.tests.conftest import tw  # noqa: F401  (the fixture)

PROJECT_DIR = Path(__file__).resolve().parents[3]


# Readiness ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_reports_each_dependency_with_its_time(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "queue", "storage"}
    for check in body["checks"].values():
        assert check["status"] == "ok" and check["ms"] >= 0
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_naming_the_failed_dependency_and_nothing_more(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("could not connect to server at 10.0.0.5 port 5432: secret detail")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", broken_cursor)
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["storage"]["status"] == "ok"
    assert "10.0.0.5" not in response.content.decode() and "secret" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_fails_when_the_storage_cannot_keep_a_file(client, monkeypatch):
    from django.core.files.storage import default_storage

    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(default_storage, "save", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "error"


# Request ids ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_answer_carries_a_request_id():
    first = Client().get("/login/")["X-Request-ID"]
    second = Client().get("/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_the_trusted_proxys_request_id_is_kept_and_anyone_elses_replaced():
    through_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REQUEST_ID="f3a9c0d1e2b34c5d9e8f7a6b5c4d3e2f")
    assert through_proxy.get("/login/")["X-Request-ID"] == "f3a9c0d1e2b34c5d9e8f7a6b5c4d3e2f"
    outsider = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="chosen-by-the-client")
    assert outsider.get("/login/")["X-Request-ID"] != "chosen-by-the-client"
    for insane in ("has space", "x" * 65, "semi;colon", "<script>"):
        answered = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REQUEST_ID=insane).get("/login/")["X-Request-ID"]
        assert answered != insane and re.fullmatch(r"[0-9a-f]{32}", answered)


class _Lines(logging.Handler):
    """The JSON lines a handler configured like the settings' console would write."""

    def __init__(self):
        super().__init__()
        self.addFilter(RequestContext())
        self.setFormatter(JsonFormatter())
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines():
    handler = _Lines()
    loggers = [logging.getLogger(name) for name in ("django.request", "guanjia", "probe")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.lines
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_log_line_names_the_request_the_user_and_the_path_in_utc(world, log_lines):
    client = Client()
    client.force_login(world.desk)
    client.get("/tickets/")  # the user is looked up by the page
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    line = next(line for line in log_lines if line["logger"] == "django.request")
    assert line["request_id"] == response["X-Request-ID"]
    assert line["path"] == "/no-such-page/"
    assert line["level"] == "WARNING" and "Not Found" in line["message"]
    assert line["time"].endswith("Z")
    moment = datetime.datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert abs((timezone.now() - moment).total_seconds()) < 60


_seen = []
probe_queue = queue.MemoryHuey("guanjia-probe", immediate=False)


@probe_queue.task()
def probe(value):
    _seen.append((value, requestid.current_id()))
    logging.getLogger("probe").info("job ran with %s", value)


def test_a_job_enqueued_in_a_request_runs_under_that_requests_id(log_lines):
    _seen.clear()
    with requestid.bound("req-0042"):
        probe(7)
    assert _seen == []  # still waiting in the queue, serialized
    task = probe_queue.dequeue()
    probe_queue.execute(task)  # in the worker: no request around it
    assert _seen == [(7, "req-0042")]  # the function got its own argument only, and the id
    line = next(line for line in log_lines if line["message"] == "job ran with 7")
    assert line["request_id"] == "req-0042" and line["path"] == "job:probe"


def test_a_job_enqueued_outside_any_request_gets_an_id_of_its_own():
    _seen.clear()
    probe(8)
    probe_queue.execute(probe_queue.dequeue())
    assert _seen[0][0] == 8 and re.fullmatch(r"[0-9a-f]{32}", _seen[0][1])


@pytest.mark.django_db(transaction=True)
def test_the_journal_of_a_requests_notices_names_its_request_id(tw):  # noqa: F811
    """A request's notices are written in its own transaction (the outbox) and journaled under its
    id. (A job it enqueues runs under the same id: the test above.)"""
    response = Api(tw.resident_user).post(
        "tickets", {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "厨房水管漏水"}
    )
    assert response.status_code == 201, response.content
    request_id = response["X-Request-ID"]
    ticket_id = response.json()["id"]
    notified = Notification.objects.filter(object_id=ticket_id)
    assert notified.exists()
    entries = ObjectChange.objects.filter(
        content_type__model="notification",
        object_id__in=[str(pk) for pk in notified.values_list("pk", flat=True)],
    )
    assert entries.exists()
    assert set(entries.values_list("request_id", flat=True)) == {request_id}


def test_log_lines_are_written_once_as_json_in_utc_also_in_the_worker(tmp_path):
    """run_huey adds its own handler (local time) to a "huey" logger without one; the settings give
    it one, so a worker's line is written once, in the configured format."""
    code = (
        "import django, logging; django.setup();"
        "from huey.contrib.djhuey.management.commands import run_huey;"
        "from huey.consumer_options import ConsumerConfig;"
        "logger = logging.getLogger('huey');"
        "logger.handlers or ConsumerConfig(workers=1).setup_logger(logger);"  # what run_huey does
        "logger.info('worker line');"
        "logging.getLogger('guanjia.x').warning('app line')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUANJIA_", "DJANGO_", "LOG_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="guanjia.settings",
        GUANJIA_VAR_DIR=str(tmp_path),
        DEBUG="1",
        GUANJIA_LOG_FORMAT="json",
        TZ="Asia/Shanghai",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert [line["message"] for line in lines] == ["worker line", "app line"]
    assert all(line["time"].endswith("Z") for line in lines)
    assert {line["logger"] for line in lines} == {"huey", "guanjia.x"}


def test_an_unknown_log_format_stops_the_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUANJIA_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="guanjia.settings",
        GUANJIA_VAR_DIR=str(tmp_path),
        DEBUG="1",
        GUANJIA_LOG_FORMAT="xml",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "GUANJIA_LOG_FORMAT" in result.stderr


# Metrics --------------------------------------------------------------------------------------------


def _value(text: str, name: str, **labels) -> float | None:
    for line in text.splitlines():
        named = line.startswith((name + "{", name + " "))
        if named and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.django_db
def test_metrics_time_requests_by_route_never_by_raw_path(world):
    client = Client()
    client.force_login(world.desk)
    client.get(f"/residents/{world.resident.pk}/")
    client.get("/no-such-page/12345/")
    text = Client().get("/metrics").content.decode()
    assert _value(
        text,
        "guanjia_http_request_duration_seconds_count",
        route="resident_detail",
        method="GET",
        status="2xx",
    ), text[:3000]
    assert _value(text, "guanjia_http_request_duration_seconds_count", route="unmatched", status="4xx")
    # In the labels, not the values: a sample's float (a timestamp) may well contain "12345".
    labels = " ".join(re.findall(r"\{[^}]*\}", text))
    assert f"/residents/{world.resident.pk}" not in labels and "12345" not in labels


@pytest.mark.django_db
def test_metrics_count_waiting_notifications_overdue_deadlines_and_parked_jobs(tw):  # noqa: F811
    now = timezone.now()
    Notification.objects.create(
        company=tw.company,
        recipient=tw.desk,
        channel="email",
        subject="x",
        state="pending",
        deliver_after=now - datetime.timedelta(minutes=10),
    )
    Notification.objects.create(
        company=tw.company,
        recipient=tw.desk,
        channel="sms",
        subject="y",
        state="deferred",
        deliver_after=now + datetime.timedelta(hours=8),
    )
    created = Api(tw.resident_user).post(
        "tickets", {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "漏水"}
    )
    assert created.status_code == 201
    late = TicketDeadline.objects.filter(ticket_id=created.json()["id"]).first()
    TicketDeadline.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(hours=2))
    ParkedJob.objects.create(name="x", data=b"")

    text = Client().get("/metrics").content.decode()
    assert _value(text, "guanjia_notifications_waiting", channel="email", state="pending") == 1
    assert _value(text, "guanjia_notifications_waiting", channel="sms", state="deferred") == 1
    assert _value(text, "guanjia_notifications_oldest_due_seconds") >= 600
    assert _value(text, "guanjia_deadlines_overdue", stage=late.stage) == 1
    assert _value(text, "guanjia_deadlines_most_overdue_seconds") >= 7200
    assert _value(text, "guanjia_queue_parked_jobs") == 1
    assert _value(text, "guanjia_queue_pending_jobs") == HUEY.pending_count()
    assert _value(text, "guanjia_queue_oldest_job_age_seconds") is not None


def test_the_queues_oldest_job_age_is_read_from_the_jobs():
    stuck = queue.MemoryHuey("guanjia-age", immediate=False)

    @stuck.task()
    def later():
        return None

    with requestid.bound("r"):
        later()
    message = stuck.storage.enqueued_items(1)[0]
    enqueued_at = stuck.serializer.deserialize(message).kwargs[queue.META_KEY]["enqueued_at"]
    assert queue.oldest_pending_age(stuck, now=enqueued_at + 90) == pytest.approx(90)


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="s3cret-metrics-token", TRUSTED_PROXIES=["127.0.0.1"])
def test_metrics_only_for_allowed_addresses_or_the_token():
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 403
    # Through the proxy, the client behind it counts, not the proxy.
    assert (
        Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").get("/metrics").status_code == 403
    )
    wrong = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.get("/metrics").status_code == 403
    right = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    response = right.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
