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


def _as_postgres(command: str) -> str:
    return f"runuser -u postgres -- {command}" if os.geteuid() == 0 else command


def main():
    with part("people and a building (ORM, as an administrator would in the console)"):
        _company, unit, leak, crew = people()
    with part("a session started through nginx and on A works on B"):
        admin_session, desk_session = sessions_are_shared()
    with part("a photo uploaded through A is served through B, privately, by an expiring link"):
        token = photo_through_a_served_through_b(unit, leak, desk_session, admin_session)
    with part("each escalation step and each e-mail once, with two consumers and the scheduler"):
        escalations_once_with_two_consumers(unit, leak, crew, token)
    with part("figures and exports from the replica, agreeing with the primary; replica stopped"):
        figures_from_the_replica(token)
    print("== production check passed")
    for name, seconds in TIMINGS:
        print(f"   {seconds:6.1f} s  {name}")


if __name__ == "__main__":
    main()
