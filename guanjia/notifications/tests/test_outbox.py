"""The outbox: every push message is delivered once through its channel's backend, failures are
retried with backoff up to a limit, and residents are not disturbed during quiet hours."""

import datetime

import pytest

from guanjia.notifications import services
from guanjia.notifications.addresses import channel_address_set
from guanjia.notifications.channels import ChannelBackend, DeliveryError, LogBackend, address_for
from guanjia.notifications.models import Channel, Notification, State
from guanjia.notifications.quiet_hours import TZ
from guanjia.staff.models import StaffMember

pytestmark = pytest.mark.django_db

SMS = "guanjia.notifications.tests.test_outbox.RecordingBackend"
BROKEN = "guanjia.notifications.tests.test_outbox.BrokenBackend"


class RecordingBackend(ChannelBackend):
    sent: list = []
    during_send = None  # a hook to act while a message is on its way

    def send(self, notification) -> None:
        RecordingBackend.sent.append((notification.pk, self.channel, self.address_of(notification)))
        if RecordingBackend.during_send:
            RecordingBackend.during_send(notification)


class BrokenBackend(ChannelBackend):
    calls = 0

    def send(self, notification) -> None:
        BrokenBackend.calls += 1
        raise DeliveryError("gateway timeout")


@pytest.fixture(autouse=True)
def backends(settings):
    RecordingBackend.sent = []
    RecordingBackend.during_send = None
    BrokenBackend.calls = 0
    settings.GUANJIA_SMS_BACKEND = SMS
    settings.GUANJIA_WECOM_BACKEND = SMS
    settings.GUANJIA_NOTIFICATION_RETRY_SECONDS = 60


@pytest.fixture
def phones(world):
    StaffMember.objects.filter(user=world.technician).update(phone="13900000001")
    world.technician.refresh_from_db()
    channel_address_set(actor=world.admin, user=world.technician, channel="wecom", address="wx-tech")
    return world


def at(text: str) -> datetime.datetime:
    """A wall-clock moment in Asia/Shanghai: "2026-11-25 22:00"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=TZ)


def send(world, recipients, capture, **kwargs):
    kwargs.setdefault("subject", "工单 JY-42 已完工")
    kwargs.setdefault("body", "厨房漏水已修好")
    kwargs.setdefault("channels", (Channel.IN_APP, Channel.SMS))
    with capture(execute=True):
        return services.notify(recipients=recipients, related=world.unit, **kwargs)


def test_each_message_reaches_the_backend_once_however_often_the_job_runs(
    phones, django_capture_on_commit_callbacks
):
    world = phones
    created = send(
        world,
        [world.technician],
        django_capture_on_commit_callbacks,
        channels=(Channel.IN_APP, Channel.SMS, Channel.WECOM),
    )
    assert {n.channel for n in created} == {Channel.IN_APP, Channel.SMS, Channel.WECOM}
    sms = Notification.objects.get(channel=Channel.SMS)
    wecom = Notification.objects.get(channel=Channel.WECOM)
    later = services._now() + datetime.timedelta(hours=1)
    for _run in range(2):
        assert services.deliver_due(now=later) == 0
        assert services.deliver(sms.pk) is False
    assert sorted(RecordingBackend.sent) == sorted(
        [(sms.pk, "sms", "13900000001"), (wecom.pk, "wecom", "wx-tech")]
    )
    sms.refresh_from_db()
    assert sms.state == State.SENT and sms.sent_at is not None and sms.attempts == 1


def test_a_message_being_sent_is_not_sent_again_by_another_worker(phones, django_capture_on_commit_callbacks):
    world = phones
    second_tries = []
    # While the provider is busy with the message, a second worker (the minute job) tries it too.
    RecordingBackend.during_send = lambda n: second_tries.append(
        (services.deliver(n.pk), services.deliver_due(now=services._now()))
    )
    send(world, [world.technician], django_capture_on_commit_callbacks, channels=(Channel.SMS,))
    assert second_tries == [(False, 0)]
    assert len(RecordingBackend.sent) == 1


def test_a_failing_backend_is_retried_with_backoff_then_marked_failed(
    phones, settings, django_capture_on_commit_callbacks
):
    world = phones
    settings.GUANJIA_SMS_BACKEND = BROKEN
    settings.GUANJIA_NOTIFICATION_MAX_ATTEMPTS = 3
    send(world, [world.technician], django_capture_on_commit_callbacks, channels=(Channel.SMS,))
    sms = Notification.objects.get(channel=Channel.SMS)
    assert (sms.state, sms.attempts, BrokenBackend.calls) == (State.PENDING, 1, 1)
    assert "gateway timeout" in sms.last_error
    first_failure = sms.deliver_after - datetime.timedelta(seconds=60)
    # Not before the backoff has passed …
    assert services.deliver_due(now=first_failure + datetime.timedelta(seconds=30)) == 0
    assert BrokenBackend.calls == 1
    # … then again, waiting twice as long the next time …
    services.deliver_due(now=sms.deliver_after)
    sms.refresh_from_db()
    assert (sms.state, sms.attempts, BrokenBackend.calls) == (State.PENDING, 2, 2)
    second = sms.deliver_after
    services.deliver_due(now=second - datetime.timedelta(seconds=1))
    assert BrokenBackend.calls == 2
    services.deliver_due(now=second)
    sms.refresh_from_db()
    # … and after the last allowed attempt it is failed, and left alone.
    assert (sms.state, sms.attempts, BrokenBackend.calls) == (State.FAILED, 3, 3)
    assert services.deliver_due(now=second + datetime.timedelta(days=1)) == 0
    assert BrokenBackend.calls == 3
    # A provider that recovers is not called for a failed row either.
    settings.GUANJIA_SMS_BACKEND = SMS
    services.deliver_due(now=second + datetime.timedelta(days=2))
    assert RecordingBackend.sent == []


def test_a_resident_at_22_00_gets_the_sms_at_08_00_next_day_and_the_bell_at_once(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "_now", lambda: at("2026-11-25T22:00"))
    created = send(world, [world.resident_user], django_capture_on_commit_callbacks)
    in_app = next(n for n in created if n.channel == Channel.IN_APP)
    sms = Notification.objects.get(channel=Channel.SMS)
    assert in_app.state == State.SENT and services.unread_count(world.resident_user) == 1
    assert sms.state == State.DEFERRED and sms.deliver_after == at("2026-11-26T08:00")
    assert RecordingBackend.sent == []
    assert services.deliver(sms.pk, now=at("2026-11-26T07:59")) is False
    assert services.deliver_due(now=at("2026-11-26T07:59")) == 0
    assert services.deliver_due(now=at("2026-11-26T08:00")) == 1
    assert RecordingBackend.sent == [(sms.pk, "sms", world.resident.phone)]


def test_urgent_messages_to_residents_are_not_deferred(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "_now", lambda: at("2026-11-25T22:00"))
    send(world, [world.resident_user], django_capture_on_commit_callbacks, urgent=True)
    sms = Notification.objects.get(channel=Channel.SMS)
    assert sms.state == State.SENT
    assert RecordingBackend.sent == [(sms.pk, "sms", world.resident.phone)]


def test_staff_are_not_deferred(phones, monkeypatch, django_capture_on_commit_callbacks):
    world = phones
    monkeypatch.setattr(services, "_now", lambda: at("2026-11-25T22:00"))
    send(world, [world.technician], django_capture_on_commit_callbacks)
    assert Notification.objects.get(channel=Channel.SMS).state == State.SENT
    assert len(RecordingBackend.sent) == 1


def test_a_residents_retry_does_not_land_in_quiet_hours(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.GUANJIA_SMS_BACKEND = BROKEN
    monkeypatch.setattr(services, "_now", lambda: at("2026-11-25T20:59:30"))
    send(world, [world.resident_user], django_capture_on_commit_callbacks)
    sms = Notification.objects.get(channel=Channel.SMS)
    assert sms.attempts == 1 and sms.state == State.DEFERRED
    assert sms.deliver_after == at("2026-11-26T08:00")


def test_quiet_hours_come_from_settings(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.GUANJIA_QUIET_HOURS = [("22:30", "07:00")]
    monkeypatch.setattr(services, "_now", lambda: at("2026-11-25T22:00"))
    send(world, [world.resident_user], django_capture_on_commit_callbacks)
    assert Notification.objects.get(channel=Channel.SMS).state == State.SENT


def test_channels_skip_people_they_cannot_reach(world, django_capture_on_commit_callbacks):
    # The technician has no phone; residents have no WeCom account.
    channel_address_set(actor=world.admin, user=world.technician, channel="wecom", address="wx-tech")
    created = send(
        world,
        [world.technician, world.resident_user],
        django_capture_on_commit_callbacks,
        channels=(Channel.SMS, Channel.WECOM),
        urgent=True,
    )
    assert {(n.recipient, n.channel) for n in created} == {
        (world.technician, Channel.WECOM),
        (world.resident_user, Channel.SMS),
    }
    assert address_for(world.technician, Channel.SMS) == ""


def test_the_log_backend_logs_the_message(phones, settings, caplog, django_capture_on_commit_callbacks):
    world = phones
    settings.GUANJIA_SMS_BACKEND = "guanjia.notifications.channels.LogBackend"
    with caplog.at_level("INFO", logger="guanjia.notifications.channels"):
        send(
            world,
            [world.technician],
            django_capture_on_commit_callbacks,
            channels=(Channel.SMS,),
            url="/t/1/",
        )
    assert "13900000001" in caplog.text and "厨房漏水已修好" in caplog.text and "/t/1/" in caplog.text
    assert Notification.objects.get(channel=Channel.SMS).state == State.SENT
    assert issubclass(LogBackend, ChannelBackend)
