"""When parts fail: Redis stopped (the site serves from the database, jobs wait in the database and
none is lost), the database unreachable in the middle of a request (503, nothing half-saved)."""

import shutil
import socket
import subprocess
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client, override_settings
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from guanjia.core import queue
from guanjia.core.models import ObjectChange, ParkedJob
from guanjia.notifications.models import Notification
from guanjia.testing.api import Api
from guanjia.tickets import services as ticket_services
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.notify import notify_event
from guanjia.tickets.tests.conftest import tw  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_cache(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "guanjia.core.failsoft_cache.FailSoftRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_SECONDS": 0},
        }
    }


def _report(tw, text="厨房水管漏水", api=None):  # noqa: F811
    return (api or Api(tw.resident_user)).post(
        "tickets", {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": text}
    )


@pytest.fixture
def queue_at(monkeypatch):
    """Point the site's job queue at a Redis server on ``port`` (the way production runs it)."""

    def point(port: int):
        redis_queue = queue.PriorityRedisHuey("guanjia-fault-test", url=f"redis://127.0.0.1:{port}/0")
        monkeypatch.setattr(HUEY, "storage", redis_queue.storage)
        monkeypatch.setattr(HUEY, "_immediate", False)
        return redis_queue

    return point


def _everyone_has_email(tw) -> None:  # noqa: F811
    """So that each notice has a push row (e-mail), whose sending is a queued job."""
    for user in get_user_model().objects.filter(company=tw.company):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])


def _run_queued_jobs() -> int:
    """Run what waits in the queue, as a worker would. (Marked immediate while running: a worker
    closes its database connection around each job, which would end the test's transaction.)"""
    ran = 0
    immediate, HUEY._immediate = HUEY._immediate, True
    try:
        while (task := HUEY.storage.dequeue()) is not None:
            HUEY.execute(HUEY.deserialize_task(task))
            ran += 1
    finally:
        HUEY._immediate = immediate
    return ran


def test_with_redis_unreachable_pages_are_served_and_notifications_wait_in_the_database(
    tw,  # noqa: F811
    django_capture_on_commit_callbacks,
    queue_at,
    monkeypatch,
):
    _everyone_has_email(tw)
    dead = _free_port()  # nothing listens there: Redis is stopped
    queue_at(dead)
    with override_settings(CACHES=_redis_cache(dead)):
        cache.set("probe", 1)  # a dropped write, not an error
        assert cache.get("probe") is None
        desk = Client()
        desk.force_login(tw.desk)
        assert desk.get("/tickets/").status_code == 200
        assert Api(tw.desk).get("tickets").status_code == 200
        ready = Client().get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["cache"]["status"] == "error"
        assert ready.json()["checks"]["queue"]["status"] == "error"
        assert ready.json()["checks"]["database"]["status"] == "ok"

        with django_capture_on_commit_callbacks(execute=True):
            response = _report(tw)
        assert response.status_code == 201, response.content
        ticket_id = response.json()["id"]
        # The notices were written with the request (the outbox); only the job that sends the
        # e-mail now could not be queued: it waits in the database.
        assert Notification.objects.filter(object_id=ticket_id, channel="in_app").exists()
        assert ParkedJob.objects.filter(name__endswith="deliver_notification").exists()
        assert not Notification.objects.filter(object_id=ticket_id, channel="email", state="sent").exists()

    # Redis is back (a fresh queue here): the waiting jobs go in, run, and everyone is told once.
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("guanjia-back"))
    parked = ParkedJob.objects.count()
    assert queue.requeue_parked(HUEY) == parked
    assert ParkedJob.objects.count() == 0
    assert _run_queued_jobs() >= 1
    assert Notification.objects.filter(object_id=ticket_id, channel="email", state="sent").exists()
    # Moved twice (a crash between enqueue and delete) or run twice: still told once.
    assert queue.requeue_parked(HUEY) == 0
    assert list(HUEY.storage.enqueued_items()) == []
    count = Notification.objects.filter(object_id=ticket_id).count()
    for event in TicketEvent.objects.filter(ticket_id=ticket_id):
        notify_event(event)
    assert Notification.objects.filter(object_id=ticket_id).count() == count


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server (apt: redis-server)")
def test_redis_stopped_and_started_again_loses_no_notification(
    tw,  # noqa: F811
    django_capture_on_commit_callbacks,
    queue_at,
    tmp_path,
):
    _everyone_has_email(tw)
    port = _free_port()

    def start():
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return process
            except OSError:
                time.sleep(0.05)
        process.kill()
        raise RuntimeError("redis-server did not start")

    def stop(process):
        process.terminate()
        process.wait(10)

    server = start()
    try:
        queue_at(port)
        with override_settings(CACHES=_redis_cache(port)):
            with django_capture_on_commit_callbacks(execute=True):
                before = _report(tw, "停电前")
            assert before.status_code == 201
            assert ParkedJob.objects.count() == 0 and HUEY.pending_count() >= 1

            stop(server)  # Redis stopped
            with django_capture_on_commit_callbacks(execute=True):
                during = _report(tw, "停电中")
            assert during.status_code == 201
            client = Client()
            client.force_login(tw.desk)
            assert client.get("/tickets/").status_code == 200
            assert ParkedJob.objects.count() >= 1

            server = start()  # Redis is back, empty (no persistence): the parked jobs go in
            queue.requeue_parked(HUEY)
            assert ParkedJob.objects.count() == 0
            _run_queued_jobs()
            for response in (during,):
                assert Notification.objects.filter(object_id=response.json()["id"]).exists()
            cache.set("probe", 1)
            assert cache.get("probe") == 1  # the cache serves again
    finally:
        stop(server)


def test_a_database_failure_mid_request_is_a_503_json_and_nothing_is_half_saved(tw, monkeypatch):  # noqa: F811
    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # Fails after the request row was inserted, inside the service's transaction.
    monkeypatch.setattr(ticket_services, "_event", lost)
    tickets_before, journal_before = Ticket.objects.count(), ObjectChange.objects.count()
    api = Api(tw.resident_user)
    api.client.raise_request_exception = False
    response = _report(tw, api=api)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] and response["Retry-After"]
    assert Ticket.objects.count() == tickets_before
    assert ObjectChange.objects.count() == journal_before


def test_a_database_failure_in_the_console_is_an_error_page(tw, monkeypatch):  # noqa: F811
    from guanjia.tickets import views

    def lost(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(views.exports, "console_list", lost)
    client = Client(raise_request_exception=False)
    client.force_login(tw.desk)
    response = client.get("/tickets/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "503" in body and "<html" in body
    # An htmx request gets the reason as text for the console's error box.
    fragment = client.get("/tickets/", headers={"HX-Request": "true"})
    assert fragment.status_code == 503 and fragment["Content-Type"].startswith("text/plain")


@override_settings(CACHES=_redis_cache(9))
def test_the_cache_is_left_alone_for_a_while_after_a_failure():
    from django.core.cache import caches

    backend = caches["default"]
    backend.retry_seconds = 60
    assert backend.get("x") is None  # fails (nothing listens on port 9), switches the cache off
    assert not backend.available
    started = time.monotonic()
    for _ in range(100):
        backend.get("x")
    assert time.monotonic() - started < 0.5  # no connection attempts while it is off
