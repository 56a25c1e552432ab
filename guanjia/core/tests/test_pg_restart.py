"""PostgreSQL restarted under load: requests in flight fail cleanly (503 with the API's JSON error),
nothing is half-saved, and the same app server serves again once the database is back — no restart.

Runs only where it may restart the database: ``.ci/run`` sets ``GUANJIA_PG_RESTART_CMD`` (the
``pg_ctl restart`` of its own throw-away cluster) and ``DATABASE_URL``. A real server thread
(``live_server``) answers real HTTP requests, with Django's per-request connection handling.
"""

import json
import os
import shlex
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from guanjia.accounts.models import ApiToken, hash_token
from guanjia.core.models import ObjectChange
from guanjia.tickets.models import Ticket, TicketEvent
from guanjia.tickets.tests.conftest import tw  # noqa: F401  (the fixture)

RESTART = os.environ.get("GUANJIA_PG_RESTART_CMD", "")

pytestmark = [
    pytest.mark.pgrestart,
    pytest.mark.skipif(not RESTART, reason="set GUANJIA_PG_RESTART_CMD (.ci/run does) to restart PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _token(user) -> str:
    import datetime

    from django.utils import timezone

    raw = ApiToken.new_raw_key()
    ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return raw


def _call(url, token, body=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_postgresql_restarted_under_load(tw, live_server):  # noqa: F811
    assert connection.vendor == "postgresql"
    token = _token(tw.resident_user)
    staff_token = _token(tw.desk)
    base = f"{live_server.url}/api/v1"
    results, stop = [], threading.Event()

    def load(worker):
        n = 0
        while not stop.is_set():
            n += 1
            text = f"load-{worker}-{n}"
            body = {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": text}
            results.append(("post", text, *_call(f"{base}/tickets", token, body)))
            results.append(("get", "", *_call(f"{base}/tickets?page_size=5", staff_token)))

    threads = [threading.Thread(target=load, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()

    def wait_for(count):
        deadline = time.monotonic() + 90
        while len(results) < count and time.monotonic() < deadline:
            time.sleep(0.1)

    try:
        wait_for(6)  # the load is running (the first requests of a fresh server are slow)
        # The restarted server keeps pg_ctl's output open: no pipes, or this would wait for ever.
        restarted = subprocess.run(
            shlex.split(RESTART), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120
        )
        during = len(results)
        wait_for(during + 12)  # and goes on after the restart
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
        connection.close()  # the test's own connection died with the restart too
    assert restarted.returncode == 0

    statuses = {status for _kind, _text, status, _type, _body in results}
    assert statuses <= {200, 201, 503}, statuses
    failed = [r for r in results if r[2] == 503]
    for _kind, _text, _status, content_type, body in failed:
        assert content_type.startswith("application/json")
        assert json.loads(body)["detail"]
    # The same server, not restarted, serves again.
    status, _type, _body = _call(f"{base}/tickets?page_size=5", staff_token)
    assert status == 200
    created = {r[1] for r in results if r[0] == "post" and r[2] == 201}
    assert created, "no request got through before or after the restart"
    saved = set(Ticket.objects.filter(description__startswith="load-").values_list("description", flat=True))
    assert created <= saved
    # Nothing half-saved: every request that exists has its first event and its journal entry.
    for ticket in Ticket.objects.filter(description__startswith="load-"):
        assert TicketEvent.objects.filter(ticket=ticket).exists(), ticket.description
        assert ObjectChange.objects.filter(content_type__model="ticket", object_id=str(ticket.pk)).exists()
    after = [r[2] for r in results[during + 6 :]]
    assert after and set(after) <= {200, 201}, after  # served again, by the same server
    print(f"{len(results)} requests, {len(failed)} answered 503 during the restart")
