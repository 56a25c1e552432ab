"""notify(): who gets what, once; e-mail delivered once after commit; nothing crosses companies."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from guanjia.core.errors import NotFound
from guanjia.notifications import services
from guanjia.notifications.models import Channel, Notification
from guanjia.notifications.tasks import deliver_email

pytestmark = pytest.mark.django_db


def send(world, recipients, capture, **kwargs):
    kwargs.setdefault("subject", "工单 JY-42 已派给您")
    kwargs.setdefault("body", "1栋1201 厨房漏水，请尽快上门。")
    kwargs.setdefault("url", "/units/1/")
    with capture(execute=True):
        return services.notify(recipients=recipients, related=world.unit, **kwargs)


def test_notify_creates_in_app_and_email_rows(emails, django_capture_on_commit_callbacks):
    world = emails
    created = send(world, [world.technician, world.desk], django_capture_on_commit_callbacks)
    assert {(n.recipient, n.channel) for n in created} == {
        (world.technician, Channel.IN_APP),
        (world.technician, Channel.EMAIL),
        (world.desk, Channel.IN_APP),
        (world.desk, Channel.EMAIL),
    }
    in_app = Notification.objects.get(recipient=world.technician, channel=Channel.IN_APP)
    assert in_app.related == world.unit and in_app.company == world.company
    assert in_app.read_at is None and in_app.sent_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.technician.email, world.desk.email])
    message = next(m for m in mail.outbox if m.to == [world.technician.email])
    assert message.subject == "工单 JY-42 已派给您"
    assert "厨房漏水" in message.body and "/units/1/" in message.body
    email = Notification.objects.get(recipient=world.technician, channel=Channel.EMAIL)
    assert email.sent_at is not None and email.attempts == 1 and email.last_error == ""


def test_no_email_row_for_a_user_without_an_address(world, django_capture_on_commit_callbacks):
    created = send(world, [world.technician], django_capture_on_commit_callbacks)
    assert [n.channel for n in created] == [Channel.IN_APP]
    assert mail.outbox == []


def test_the_same_dedup_key_twice_notifies_once(emails, django_capture_on_commit_callbacks):
    world = emails
    key = "ticket:42:dispatched:3"
    first = send(world, [world.technician], django_capture_on_commit_callbacks, dedup_key=key)
    again = send(
        world, [world.technician, world.technician], django_capture_on_commit_callbacks, dedup_key=key
    )
    assert len(first) == 2 and again == []
    assert Notification.objects.filter(recipient=world.technician).count() == 2
    assert len(mail.outbox) == 1
    # Another event (another key) is a new notification.
    assert len(send(world, [world.technician], django_capture_on_commit_callbacks, dedup_key="x:2")) == 2


def test_email_is_sent_once_even_if_the_job_runs_twice(emails, django_capture_on_commit_callbacks):
    world = emails
    send(world, [world.technician], django_capture_on_commit_callbacks, channels=[Channel.EMAIL])
    email = Notification.objects.get(recipient=world.technician)
    assert len(mail.outbox) == 1
    deliver_email(email.pk)
    deliver_email(email.pk)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_no_email_before_the_callers_transaction_commits(emails, django_capture_on_commit_callbacks):
    world = emails
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(recipients=[world.technician], subject="s", body="b", related=world.unit)
    assert mail.outbox == [] and len(callbacks) == 1


def test_a_failed_send_is_counted_and_kept_for_a_retry(emails, settings, django_capture_on_commit_callbacks):
    world = emails
    settings.EMAIL_BACKEND = "guanjia.notifications.tests.test_services.BrokenBackend"
    send(world, [world.technician], django_capture_on_commit_callbacks, channels=[Channel.EMAIL])
    email = Notification.objects.get(recipient=world.technician)
    assert email.sent_at is None and email.attempts == 1 and "SMTP is down" in email.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_email(email.pk)  # too early: the retry waits for its backoff
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1
    services.deliver(email.pk, now=email.deliver_after)
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2 and email.last_error == ""
    assert len(mail.outbox) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SMTP is down")


def test_another_companys_user_is_never_notified(emails, django_capture_on_commit_callbacks):
    world = emails
    created = send(world, [world.foreign_admin, world.technician], django_capture_on_commit_callbacks)
    assert {n.recipient for n in created} == {world.technician}
    assert not Notification.objects.filter(recipient=world.foreign_admin).exists()
    assert world.foreign_admin.email not in [m.to[0] for m in mail.outbox]


def test_inactive_users_are_never_notified(emails, django_capture_on_commit_callbacks):
    world = emails
    world.desk.is_active = False
    world.desk.save()
    assert send(world, [world.desk], django_capture_on_commit_callbacks) == []
    assert mail.outbox == []


def test_without_a_related_record_each_user_is_notified_in_their_own_company(world):
    created = services.notify(
        recipients=[world.desk, world.foreign_admin],
        subject="系统维护",
        body="今晚 22:00 维护",
        channels=["in_app"],
    )
    assert {(n.recipient, n.company) for n in created} == {
        (world.desk, world.company),
        (world.foreign_admin, world.other_company),
    }


def test_a_link_outside_the_site_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.notify(recipients=[world.desk], subject="s", body="b", url="https://evil.example/")
    assert "url" in exc.value.message_dict
    assert not Notification.objects.exists()


def test_a_user_sees_and_marks_only_their_own(world):
    (mine,) = services.notify(recipients=[world.desk], subject="s", body="b", channels=["in_app"])
    services.notify(recipients=[world.technician], subject="t", body="b", channels=["in_app"])
    for other in (world.admin, world.technician, world.resident_user, world.foreign_admin):
        assert mine not in Notification.objects.visible_to(other)
        with pytest.raises(NotFound):
            services.mark_read(actor=other, notification=mine)
    assert services.mark_all_read(actor=world.technician) == 1
    mine.refresh_from_db()
    assert mine.read_at is None
    assert list(Notification.objects.visible_to(world.desk)) == [mine]
    assert services.mark_read(actor=world.desk, notification=mine).read_at is not None
    assert services.unread_count(world.desk) == 0


def test_residents_are_notified_and_see_their_own(world):
    services.notify(
        recipients=[world.resident_user, world.other_resident_user], subject="s", body="b", related=world.unit
    )
    assert services.unread_count(world.resident_user) == 1
    assert Notification.objects.visible_to(world.resident_user).get().recipient == world.resident_user
