"""Jobs with two Huey consumers and the scheduler: each escalation step and e-mail once; a consumer
killed with SIGKILL mid-send loses nothing and sends nothing twice (the outbox)."""

from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
import os
import re
import subprocess
import threading
import time
from pathlib import Path

from django.utils import timezone

from .common import APP_A, APP_B, backend, group_of, wait


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
            held = sum(1 for pid in pids if group_of(pid) == group)
            if held and (best is None or held > best[1]):
                best = (group, held, n)
        return best

    wait(lambda: sending_consumer() is not None, 15, "a consumer sending")
    time.sleep(0.3)
    group, held, n = sending_consumer()
    os.killpg(group, 9)
    killed_at = time.monotonic()
    # The others finish what they hold and take the rest; what the killed one held stays claimed.
    wait(
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

    wait(settled, 60, "the other consumers' sends finishing")
    stuck = list(rows.exclude(state="sent").values_list("pk", flat=True))
    assert stuck, "the kill hit no work in flight"
    assert not rows.filter(pk__in=stuck, claimed_at__isnull=True).exists()
    # Ten minutes later (CLAIM_TIMEOUT): the claims are stale; the sweep sends them, on another consumer.
    slow.unlink()
    rows.filter(pk__in=stuck).update(
        claimed_at=timezone.now() - notices.CLAIM_TIMEOUT - datetime.timedelta(minutes=1)
    )
    deliver_due_notifications()  # queued: run by a consumer still alive
    wait(lambda: not rows.exclude(state="sent").exists(), 60, "the stale claims being sent")
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
