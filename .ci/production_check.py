"""The request loop of the production CI job (.ci/production) across nginx, two app servers, two
Huey consumers and the scheduler, PostgreSQL primary + replica, Redis and the S3 object store.

It reads the same environment as the services (deploy/guanjia.env filled in by the job), uses the
ORM for what a person would do in the console before (staff, a building) and to check rows, and
talks HTTP to nginx (https, as a browser) and to each app server directly (as nginx does) to prove
that nothing an app server keeps is needed by the other. Prints a timing per part; exits non-zero
(AssertionError) on the first thing that is not as it must be.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import django
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
django.setup()
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the job's own

from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from guanjia.core.models import Company  # noqa: E402
from guanjia.core.roles import Role  # noqa: E402
from guanjia.estates.models import Project  # noqa: E402
from guanjia.staff.choices import Department  # noqa: E402
from guanjia.testing import factories as f  # noqa: E402

HOST = "guanjia.example.com"
NGINX = os.environ["CI_HTTPS"]
APP_A, APP_B = os.environ["CI_APP_A"], os.environ["CI_APP_B"]
PASSWORD = "Guanjia-CI-staff-2026"
TIMINGS: list[tuple[str, float]] = []


@contextmanager
def part(name: str):
    started = time.monotonic()
    print(f"-- {name}", flush=True)
    yield
    TIMINGS.append((name, time.monotonic() - started))


# --- HTTP ---------------------------------------------------------------------------------------


def nginx_client() -> httpx.Client:
    # The job's certificate is self-signed for guanjia.example.com; nginx is reached by address.
    return httpx.Client(base_url=NGINX, headers={"Host": HOST}, verify=False, timeout=30)  # noqa: S501


def backend(base: str, cookies: dict[str, str] | None = None) -> httpx.Client:
    """An app server reached as nginx reaches it: the site's host, the forwarded scheme and client."""
    headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return httpx.Client(base_url=base, headers=headers, timeout=30)


def login(client: httpx.Client, username: str, password: str, origin: str) -> dict[str, str]:
    """The console's login form, as a browser fills it; returns the session and CSRF cookies."""
    page = client.get("/login/")
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookies = {"csrftoken": page.cookies.get("csrftoken") or client.cookies.get("csrftoken")}
    answer = client.post(
        "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{origin}/login/", "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    cookies["sessionid"] = answer.cookies["sessionid"]
    return cookies


def token_for(base: str, username: str) -> str:
    with backend(base) as c:
        answer = c.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


# --- the world ----------------------------------------------------------------------------------


def people():
    company = Company.objects.get(short_code="JY")
    project = Project.objects.get(company=company, code="JY")
    building = f.BuildingFactory(project=project, name="1栋")
    unit = f.UnitFactory(building=building, number="1201")
    f.OccupancyFactory(unit=unit)

    def staff(username, roles, department=Department.SERVICE, projects=(project,)):
        member = f.make_staff(
            company=company, roles=roles, projects=projects, department=department, name=username
        )
        user = member.user
        user.username, user.email = username, f"{username}@example.com"
        user.set_password(PASSWORD)
        user.save()
        return member

    crew = {
        "desk": staff("desk", [Role.DESK]),
        "tech": staff("tech", [Role.TECHNICIAN], Department.ENGINEERING),
        "head": staff("head", [Role.DEPARTMENT_HEAD], Department.ENGINEERING),
        "manager": staff("manager", [Role.PROJECT_MANAGER]),
        "hq": staff("hq", [Role.HQ_CENTER], projects=()),
    }
    from guanjia.tickets.models import TicketCategory

    leak = TicketCategory.objects.get(company=company, name="漏水")
    return company, unit, leak, crew


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


# --- the parts ----------------------------------------------------------------------------------


def sessions_are_shared():
    """Logged in through nginx, and on A: the same session works on B (sessions in PostgreSQL)."""
    with nginx_client() as c:
        cookies = login(
            c, "admin", os.environ["CI_ADMIN_PASSWORD"], f"https://{HOST}:{NGINX.rsplit(':', 1)[1]}"
        )
        home = c.get("/", headers={"Cookie": f"sessionid={cookies['sessionid']}"})
        assert home.status_code == 200 and "沈立群" in home.text, home.status_code
    with backend(APP_A) as a:
        on_a = login(a, "desk", PASSWORD, f"https://{HOST}")
    for base in (APP_A, APP_B):
        with backend(base, on_a) as c:
            page = c.get("/")
            assert page.status_code == 200 and "desk" in page.text, (base, page.status_code)
    with backend(APP_B) as c:
        assert c.get("/").status_code == 302  # without the cookie: the login page
    return cookies, on_a


def photo_through_a_served_through_b(unit, leak, desk_session, admin_session):
    """Uploaded through A, onto the object store; through B, to the right people only, by a
    presigned link that expires."""
    token = token_for(APP_A, "desk")
    auth = {"Authorization": f"Bearer {token}"}
    with backend(APP_A) as a:
        ticket = a.post(
            "/api/v1/tickets",
            json={"unit_id": unit.pk, "category_id": leak.pk, "description": "厨房水管漏水（CI）"},
            headers=auth,
        )
        assert ticket.status_code == 201, ticket.text
        upload = a.post(
            f"/api/v1/tickets/{ticket.json()['id']}/photos",
            files={"file": ("leak.png", png(), "image/png")},
            headers=auth,
        )
    assert upload.status_code == 201, upload.text
    url = upload.json()["url"]
    assert url.startswith("/media/tickets/"), url
    name = url.removeprefix("/media/")
    assert not (Path(os.environ["MEDIA_ROOT"]) / name).exists()  # on the object store, not a disk

    with backend(APP_B, desk_session) as b:
        answer = b.get(url)
    assert answer.status_code == 302, answer.status_code
    link = answer.headers["location"]
    assert link.startswith(os.environ["GUANJIA_S3_ENDPOINT_URL"]) and "X-Amz-Signature=" in link, link
    body = httpx.get(link).content
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(body)).size == (320, 240)
    # Not readable without the signature, nor for anyone without the record in scope.
    bare = link.split("?", 1)[0]
    assert httpx.get(bare).status_code == 403
    with nginx_client() as c:
        anonymous = c.get(url)
        assert anonymous.status_code == 302 and "/login/" in anonymous.headers["location"]
        other = login(
            c, "other-admin", os.environ["CI_ADMIN_PASSWORD"], f"https://{HOST}:{NGINX.rsplit(':', 1)[1]}"
        )
        assert c.get(url, headers={"Cookie": f"sessionid={other['sessionid']}"}).status_code == 404
        via_nginx = c.get(url, headers={"Cookie": f"sessionid={admin_session['sessionid']}"})
        assert via_nginx.status_code == 302
    # The link expires (MEDIA_LINK_SECONDS, 4 s in this job).
    time.sleep(int(os.environ["MEDIA_LINK_SECONDS"]) + 1.5)
    expired = httpx.get(link)
    assert expired.status_code == 403 and "expired" in expired.text.lower(), expired.text[:300]
    return token


def escalations_once_with_two_consumers(unit, leak, crew, token):
    """Requests whose clocks ran out long ago: every escalation step taken once, every e-mail sent
    once, with two consumers and the scheduler all taking jobs off one Redis queue."""
    from django.contrib.auth import get_user_model
    from huey.contrib.djhuey import HUEY

    from guanjia.notifications.models import Notification
    from guanjia.notifications.tasks import deliver_due_notifications
    from guanjia.sla.models import Escalation, TicketDeadline
    from guanjia.sla.tasks import escalate_due_task
    from guanjia.tickets.choices import Action
    from guanjia.tickets.models import TicketEvent

    since = timezone.now()
    auth = {"Authorization": f"Bearer {token}"}
    ids = []
    for i, base in enumerate((APP_A, APP_B, APP_A, APP_B)):
        with backend(base) as c:
            answer = c.post(
                "/api/v1/tickets",
                json={"unit_id": unit.pk, "category_id": leak.pk, "description": f"漏水 {i}"},
                headers=auth,
            )
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
    with backend(APP_B) as c:
        dispatched = c.post(
            f"/api/v1/tickets/{ids[0]}/dispatch", json={"assignee_id": crew["tech"].pk}, headers=auth
        )
        assert dispatched.status_code == 200, dispatched.text
    # The clocks started a month ago: every threshold of every running stage has passed.
    month = datetime.timedelta(days=30)
    running = TicketDeadline.objects.filter(ticket_id__in=ids, done_at__isnull=True, paused_at__isnull=True)
    for deadline in running:
        TicketDeadline.objects.filter(pk=deadline.pk).update(
            started_at=deadline.started_at - month, due_at=deadline.due_at - month, next_step_at=None
        )
    expected = sum(min(len(d.thresholds), 4) for d in running.all())
    assert expected > 0
    for _ in range(6):  # late runs overlapping each other, on top of the scheduler's own
        escalate_due_task()
    deadline_at = time.monotonic() + 90
    while time.monotonic() < deadline_at:
        taken = Escalation.objects.filter(ticket_id__in=ids).count()
        if taken >= expected and HUEY.pending_count() == 0:
            break
        time.sleep(0.5)
    time.sleep(2)  # anything taken twice would show now
    taken = Escalation.objects.filter(ticket_id__in=ids).count()
    assert taken == expected, (taken, expected)
    assert TicketEvent.objects.filter(ticket_id__in=ids, action=Action.ESCALATE).count() == expected
    mails = Notification.objects.filter(created_at__gte=since, channel="email")
    assert mails.exists()
    # No flood: the ladder's e-mails wait for the person's digest (GUANJIA_NOTIFICATION_DIGEST_MINUTES)
    # instead of going one by one. The window is moved past here; then overlapping sweeps, on top of
    # the scheduler's own on two consumers, send each person one digest, once.
    waiting = mails.filter(digest=True, state="pending")
    assert waiting.exists(), list(mails.values("state", "digest"))
    people = set(waiting.values_list("recipient_id", flat=True))
    waiting.update(deliver_after=timezone.now() - datetime.timedelta(seconds=1))
    threads = [threading.Thread(target=deliver_due_notifications.call_local) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline_at = time.monotonic() + 90
    while time.monotonic() < deadline_at:
        if not mails.exclude(state="sent").exists() and HUEY.pending_count() == 0:
            break
        time.sleep(0.5)
    time.sleep(2)
    assert set(mails.values_list("state", flat=True)) == {"sent"}, list(mails.values("state", "last_error"))
    assert set(mails.values_list("attempts", flat=True)) == {1}
    # The mail server received each message once: the files it wrote, by recipient and subject.
    received = []
    for path in Path(os.environ["CI_MAIL_DIR"]).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        sent_at = email.utils.parsedate_to_datetime(message["Date"])
        if timezone.is_naive(sent_at):  # "-0000": UTC, by RFC 5322
            sent_at = timezone.make_aware(sent_at, datetime.UTC)
        if sent_at < since - datetime.timedelta(seconds=1):  # the header has whole seconds
            continue
        received.append((message["X-Sink-To"], str(message["Subject"]), message.get_content().strip()))
    twice = [m for m in set(received) if received.count(m) > 1]
    assert not twice, f"sent more than once: {twice[:3]}"
    # One digest per person (a window holds everything of theirs), never one mail per step.
    addresses = set(get_user_model().objects.filter(pk__in=people).values_list("email", flat=True))
    digests = [m for m in received if m[0] in addresses]
    single = mails.filter(digest=False).count()  # urgent ones, sent as they came
    assert len(digests) == len(addresses) + single, ([m[:2] for m in digests], sorted(addresses), single)
    print(
        f"   {len(ids)} requests, {taken} escalation steps, {mails.count()} e-mail notices "
        f"in {len(digests)} digests, each once"
    )
    return ids


def replica_caught_up():
    primary, replica = connections["default"], connections["replica"]
    with primary.cursor() as c:
        c.execute("SELECT pg_current_wal_lsn()")
        target = c.fetchone()[0]
    for _ in range(100):
        with replica.cursor() as c:
            c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if c.fetchone()[0]:
                return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up")


def replica_reads():
    with connections["replica"].cursor() as c:
        c.execute("SELECT sum(tup_returned + tup_fetched) FROM pg_stat_database WHERE datname = 'guanjia'")
        return int(c.fetchone()[0] or 0)


def figures_from_the_replica(token):
    """Figures and exports read from the replica, and agree with the primary's; the replica
    stopped, they are read from the primary, on both app servers."""
    auth = {"Authorization": f"Bearer {token}"}
    replica_caught_up()
    time.sleep(1)
    before = replica_reads()
    answers = {}
    for base in (APP_A, APP_B):
        with backend(base) as c:
            figures = c.get("/api/v1/figures?group_by=category&period=month", headers=auth)
            export = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
        assert figures.status_code == 200 and export.status_code == 200, (figures.text, export.text)
        assert figures.headers["X-Guanjia-Read-From"] == "replica", dict(figures.headers)
        assert export.headers["X-Guanjia-Read-From"] == "replica"
        answers[base] = (figures.json(), export.content)
    assert answers[APP_A] == answers[APP_B]
    for _ in range(30):  # the standby's statistics are flushed within a second or so
        if replica_reads() > before:
            break
        time.sleep(0.2)
    assert replica_reads() > before, "no rows were read on the replica"
    # The primary's own answer: the same export computed here, on the primary.
    from django.contrib.auth import get_user_model

    from guanjia.dataio import exporting

    desk = get_user_model().objects.get(username="desk")
    body, _type, _name = exporting.export_file(actor=desk, resource="tickets", fmt="csv", params={})
    assert bytes(body) == answers[APP_A][1], "the replica's export differs from the primary's"

    subprocess.run(_as_postgres(os.environ["CI_STOP_REPLICA"]), shell=True, check=True)  # noqa: S602
    started = time.monotonic()
    for base in (APP_A, APP_B, APP_A, APP_B):
        with backend(base) as c:
            figures = c.get("/api/v1/figures?group_by=category&period=month", headers=auth)
            export = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
        assert figures.status_code == 200 and export.status_code == 200, (
            figures.status_code,
            figures.text[:300],
        )
        assert figures.headers["X-Guanjia-Read-From"] == "primary"
        assert (figures.json(), export.content) == answers[APP_A]
    print(
        f"   replica stopped: answered from the primary ({(time.monotonic() - started) * 1000:.0f} ms for 8 requests)"
    )
    subprocess.run(_as_postgres(os.environ["CI_START_REPLICA"]), shell=True, check=True)  # noqa: S602
    time.sleep(int(os.environ.get("REPLICA_CHECK_SECONDS", "5")) + 1)
    with backend(APP_A) as c:
        again = c.get("/api/v1/figures?group_by=category&period=month", headers=auth)
    assert again.headers["X-Guanjia-Read-From"] == "replica", "the replica was not used again"


def _replica_sql(sql: str):
    with connections["replica"].cursor() as c:
        c.execute(sql)
        return c.fetchone() if c.description else None


def _set_primary_conninfo(conninfo: str) -> None:
    """On the standby (postgresql.auto.conf, as pg_basebackup -R wrote it); a reload restarts its
    WAL receiver with the new value."""
    _replica_sql("ALTER SYSTEM SET primary_conninfo = '" + conninfo.replace("'", "''") + "'")
    _replica_sql("SELECT pg_reload_conf()")


def _streaming() -> bool:
    return _replica_sql("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")[0] == 1


def _wait(condition, seconds: float, what: str) -> None:
    deadline_at = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline_at:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.2)


def replica_cut_off_from_the_primary(unit, leak, token):
    """A standby that answers but receives nothing — its WAL receiver cannot reach the primary
    (primary_conninfo pointed at a closed port) — has replayed all it received: by replay position
    alone its lag is 0, while its data grows old. Reads go to the primary and see a request made
    meanwhile; connected again, the replica streams, catches up and is read again."""
    auth = {"Authorization": f"Bearer {token}"}
    check_seconds = int(os.environ.get("REPLICA_CHECK_SECONDS", "5"))
    connections["replica"].close()  # this script's connection died with the replica's restart
    conninfo = _replica_sql("SHOW primary_conninfo")[0]
    assert re.search(r"\bport=\d+", conninfo), conninfo
    _set_primary_conninfo(re.sub(r"\bport=\d+", "port=1", conninfo))
    try:
        _wait(lambda: not _streaming(), 15, "the replica's WAL receiver stopping")
        with backend(APP_A) as c:
            made = c.post(
                "/api/v1/tickets",
                json={"unit_id": unit.pk, "category_id": leak.pk, "description": "断开期间报修（CI）"},
                headers=auth,
            )
        assert made.status_code == 201, made.text
        ticket_id = made.json()["id"]
        time.sleep(check_seconds + 1)  # every worker's last look at the replica is older than this
        # The replica still answers, without the request; replayed all it received ("lag 0").
        assert _replica_sql(f"SELECT count(*) FROM tickets_ticket WHERE id = {int(ticket_id)}")[0] == 0  # noqa: S608
        caught = _replica_sql("SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()")[0]
        for base in (APP_A, APP_B, APP_A, APP_B):
            with backend(base) as c:
                export = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
            assert export.status_code == 200, export.text[:300]
            assert export.headers["X-Guanjia-Read-From"] == "primary", (base, dict(export.headers))
            assert "断开期间报修（CI）" in export.content.decode("utf-8-sig"), "a stale export"
        print(f"   replica cut off (received = replayed: {caught}): exports read from the primary, current")
    finally:
        _set_primary_conninfo(conninfo)
    _wait(_streaming, 30, "the replica streaming again")
    replica_caught_up()
    time.sleep(check_seconds + 1)
    with backend(APP_B) as c:
        again = c.get("/api/v1/exports/tickets?format=csv", headers=auth)
    assert again.headers["X-Guanjia-Read-From"] == "replica", "the replica was not used again"
    assert "断开期间报修（CI）" in again.content.decode("utf-8-sig")


def access_log_lines_are_json():
    """gunicorn's access lines (deploy/gunicorn.conf.py's logger_class) are JSON with the app's
    fields and the request id nginx gave the request; nothing the app servers wrote is not JSON."""
    with nginx_client() as c:
        answer = c.get("/login/")
    assert answer.status_code == 200
    request_id = answer.headers["X-Request-ID"]
    logs = [
        Path(os.environ["CI_WORK"]) / "log" / f"web-{base.rsplit(':', 1)[1]}.log" for base in (APP_A, APP_B)
    ]

    def entries():
        found = []
        for path in logs:
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    found.append(json.loads(line))
                except ValueError:
                    raise AssertionError(f"not a JSON line in {path.name}: {line[:300]}") from None
        return found

    def mine():
        return [
            e for e in entries() if e.get("logger") == "gunicorn.access" and e.get("request_id") == request_id
        ]

    _wait(lambda: mine(), 5, "the access line of the request")
    (entry,) = mine()
    assert (entry["method"], entry["path"], entry["status"], entry["level"]) == (
        "GET",
        "/login/",
        200,
        "INFO",
    )
    assert isinstance(entry["duration_ms"], int | float) and entry["time"].endswith("Z"), entry
    lines = entries()
    print(f"   {len(lines)} log lines of the app servers, all JSON; the request's access line: {entry}")


def consumer_killed_mid_send(crew):
    """A Huey consumer killed with SIGKILL while it sends e-mails (the mail server slow to answer):
    the rows it had claimed stay in the outbox, claimed; once the claim is stale (CLAIM_TIMEOUT,
    moved back here instead of waited for) the every-minute sweep on the consumers still alive sends
    them. Every message arrives exactly once: the killed sends never reached the mail server."""
    from django.db import transaction
    from huey.contrib.djhuey import HUEY

    from guanjia.notifications import services as notices
    from guanjia.notifications.models import Notification
    from guanjia.notifications.tasks import deliver_due_notifications

    mail_dir = Path(os.environ["CI_MAIL_DIR"])
    slow = mail_dir / "slow"
    slow.write_text("2")  # the sink waits 2 s before greeting each connection
    tag = f"kill9-{int(time.time())}"
    users = [member.user for member in crew.values()]
    count = 16
    with transaction.atomic():
        for i in range(count):
            notices.notify(
                recipients=[users[i % len(users)]],
                subject=f"{tag} #{i}",
                body="SIGKILL 测试",
                channels=("email",),
                urgent=True,
            )
    rows = Notification.objects.filter(subject__startswith=f"{tag} #")
    assert rows.count() == count

    def sending_consumer():
        """The consumer (not the scheduler) with the most connections open to the mail server."""
        out = subprocess.run(  # noqa: S603
            ["/usr/bin/ss", "-Htnp", "state", "established", "dst", f"127.0.0.1:{os.environ['EMAIL_PORT']}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pids = [int(p) for p in re.findall(r"pid=(\d+)", out)]
        best = None
        for n in (1, 2):
            group = int((Path(os.environ["CI_WORK"]) / "run" / f"worker-{n}.pid").read_text())
            held = sum(1 for pid in pids if _group_of(pid) == group)
            if held and (best is None or held > best[1]):
                best = (group, held, n)
        return best

    _wait(lambda: sending_consumer() is not None, 15, "a consumer sending")
    time.sleep(0.3)
    group, held, n = sending_consumer()
    os.killpg(group, 9)
    killed_at = time.monotonic()
    # The others finish what they hold and take the rest; what the killed one held stays claimed.
    _wait(
        lambda: (
            not rows.filter(state="pending", claimed_at__isnull=True).exists() and HUEY.pending_count() == 0
        ),
        60,
        "the other consumers taking the rest",
    )

    def settled() -> bool:  # a live consumer's send ends within the sink's 2 s
        before = rows.exclude(state="sent").count()
        time.sleep(3)
        return rows.exclude(state="sent").count() == before

    _wait(settled, 60, "the other consumers' sends finishing")
    stuck = list(rows.exclude(state="sent").values_list("pk", flat=True))
    assert stuck, "the kill hit no work in flight"
    assert not rows.filter(pk__in=stuck, claimed_at__isnull=True).exists()
    # Ten minutes later (CLAIM_TIMEOUT): the claims are stale; the sweep sends them, on another consumer.
    slow.unlink()
    rows.filter(pk__in=stuck).update(
        claimed_at=timezone.now() - notices.CLAIM_TIMEOUT - datetime.timedelta(minutes=1)
    )
    deliver_due_notifications()  # queued: run by a consumer still alive
    _wait(lambda: not rows.exclude(state="sent").exists(), 60, "the stale claims being sent")
    time.sleep(2)
    assert set(rows.filter(pk__in=stuck).values_list("attempts", flat=True)) == {2}
    assert set(rows.exclude(pk__in=stuck).values_list("attempts", flat=True)) == {1}
    received = []
    for path in mail_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(message["Subject"]).startswith(f"{tag} #"):
            received.append(str(message["Subject"]))
    assert sorted(received) == sorted(f"{tag} #{i}" for i in range(count)), sorted(received)
    print(
        f"   worker-{n} killed holding {held} sends; {len(stuck)} left claimed, sent after the claim went stale "
        f"({time.monotonic() - killed_at:.1f} s); {count} e-mails, each received once"
    )


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _as_postgres(command: str) -> str:
    return f"runuser -u postgres -- {command}" if os.geteuid() == 0 else command


def main():
    with part("people and a building (ORM, as an administrator would in the console)"):
        _company, unit, leak, crew = people()
    Path(os.environ["CI_LOAD_CONFIG"]).write_text(
        json.dumps({"username": "desk", "password": PASSWORD, "unit_id": unit.pk, "category_id": leak.pk})
    )
    with part("a session started through nginx and on A works on B"):
        admin_session, desk_session = sessions_are_shared()
    with part("a photo uploaded through A is served through B, privately, by an expiring link"):
        token = photo_through_a_served_through_b(unit, leak, desk_session, admin_session)
    with part("each escalation step and each e-mail once, with two consumers and the scheduler"):
        escalations_once_with_two_consumers(unit, leak, crew, token)
    with part("figures and exports from the replica, agreeing with the primary; replica stopped"):
        figures_from_the_replica(token)
    with part("a replica cut off from the primary (answering, lag 0 by replay) is not read"):
        replica_cut_off_from_the_primary(unit, leak, token)
    with part("gunicorn's access lines are JSON with the request id"):
        access_log_lines_are_json()
    with part("a Huey consumer killed with SIGKILL mid-send: nothing lost, nothing twice"):
        consumer_killed_mid_send(crew)
    print("== production check passed")
    for name, seconds in TIMINGS:
        print(f"   {seconds:6.1f} s  {name}")


if __name__ == "__main__":
    main()
