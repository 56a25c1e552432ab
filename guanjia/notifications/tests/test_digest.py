"""No flood: a person's non-urgent push messages of a window go as one digest per channel; urgent
ones go at once; a digest is sent once however often, or on however many workers, the job runs;
the bell groups by record. Measured on an escalation burst: 110 escalations to one project manager."""

import datetime

import pytest
from django.test import Client

from guanjia.notifications import digest, services
from guanjia.notifications.addresses import channel_address_set
from guanjia.notifications.channels import ChannelBackend
from guanjia.notifications.models import Channel, Notification, State
from guanjia.notifications.quiet_hours import TZ
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db

RECORDING = "guanjia.notifications.tests.test_digest.Recording"


class Recording(ChannelBackend):
    sent: list = []
    during_send = None

    def send(self, notification) -> None:
        Recording.sent.append(notification.text_for())
        if Recording.during_send:
            Recording.during_send(notification)


@pytest.fixture
def clock(monkeypatch, settings):
    """The digest on (15 minutes), and a clock the test moves: 09:00 Shanghai today."""
    settings.GUANJIA_NOTIFICATION_DIGEST_MINUTES = 15
    Recording.sent, Recording.during_send = [], None
    state = {"now": datetime.datetime.combine(datetime.datetime.now(TZ).date(), datetime.time(9), tzinfo=TZ)}
    monkeypatch.setattr(services, "_now", lambda: state["now"])
    return state


@pytest.fixture
def manager(world):
    channel_address_set(actor=world.admin, user=world.manager, channel="wecom", address="wx-manager")
    return world


def escalate(world, related, step: int, capture):
    with capture(execute=True):
        return services.notify(
            recipients=[world.manager],
            subject=f"【{step}级】{related} 响应已用时 {50 * step}%",
            body="请尽快处理。",
            url=f"/units/{related.pk}/",
            related=related,
            dedup_key=f"escalation:{related.pk}:{step}",
            channels=(Channel.IN_APP, Channel.WECOM),
        )


def burst(world, clock, capture, *, count: int, minutes: int) -> list:
    """``count`` escalations to the manager spread evenly over ``minutes``: two steps on each of
    count/2 late requests (units stand in for them), as the ladder sends them."""
    units = [f.UnitFactory(building=world.building) for _ in range(count // 2)]
    start = clock["now"]
    for i in range(count):
        clock["now"] = start + datetime.timedelta(seconds=minutes * 60 * i / count)
        escalate(world, units[i % len(units)], 1 + i // len(units), capture)
    return units


def run_jobs(clock, *, until: datetime.timedelta) -> None:
    """The per-minute job, every minute until ``until`` after the burst began."""
    start = clock["now"]
    for minute in range(int(until.total_seconds() // 60) + 1):
        services.deliver_due(now=start + datetime.timedelta(minutes=minute))


@pytest.mark.parametrize(
    ("window", "minutes", "expected"),
    [(0, 14, 110), (15, 14, 1), (15, 60, 4)],
    ids=["before: one message each", "after: a burst of 14 minutes", "after: spread over an hour"],
)
def test_an_escalation_burst_to_one_manager(
    manager, clock, settings, django_capture_on_commit_callbacks, window, minutes, expected
):
    settings.GUANJIA_WECOM_BACKEND = RECORDING
    settings.GUANJIA_NOTIFICATION_DIGEST_MINUTES = window
    start = clock["now"]
    burst(manager, clock, django_capture_on_commit_callbacks, count=110, minutes=minutes)
    clock["now"] = start
    run_jobs(clock, until=datetime.timedelta(minutes=minutes + window + 1))
    print(
        f"\n110 escalations over {minutes} min, digest window {window} min: {len(Recording.sent)} WeCom messages"
    )
    assert len(Recording.sent) == expected
    wecom = Notification.objects.filter(channel=Channel.WECOM)
    assert wecom.count() == 110 and set(wecom.values_list("state", flat=True)) == {State.SENT}


def test_a_digest_lists_each_record_once_with_its_link_and_count(
    manager, clock, settings, django_capture_on_commit_callbacks
):
    settings.GUANJIA_WECOM_BACKEND = RECORDING
    settings.SITE_URL = "https://guanjia.example.com"
    units = burst(manager, clock, django_capture_on_commit_callbacks, count=6, minutes=10)
    assert Recording.sent == []  # nothing goes at once
    clock["now"] += datetime.timedelta(minutes=15)
    assert services.deliver_due(now=clock["now"]) == 6
    [(subject, body)] = Recording.sent
    assert subject == "您有 6 条新通知"
    lines = body.split("\n")
    assert len([line for line in lines if line.startswith("• ")]) == 3  # one line per record
    newest = units[-1]
    assert lines[0] == f"• 【2级】{newest} 响应已用时 100% （共 2 条）"
    assert lines[1] == f"  https://guanjia.example.com/units/{newest.pk}/"


def test_a_single_message_in_its_window_goes_as_it_is(
    manager, clock, settings, django_capture_on_commit_callbacks
):
    settings.GUANJIA_WECOM_BACKEND = RECORDING
    escalate(manager, manager.unit, 1, django_capture_on_commit_callbacks)
    assert services.deliver_due(now=clock["now"] + datetime.timedelta(minutes=14)) == 0
    assert services.deliver_due(now=clock["now"] + datetime.timedelta(minutes=15)) == 1
    assert Recording.sent == [(f"【1级】{manager.unit} 响应已用时 50%", "请尽快处理。")]


def test_urgent_messages_do_not_wait(manager, clock, settings, django_capture_on_commit_callbacks):
    settings.GUANJIA_WECOM_BACKEND = RECORDING
    with django_capture_on_commit_callbacks(execute=True):
        [_in_app, wecom] = services.notify(
            recipients=[manager.manager],
            subject="火警",
            body="",
            related=manager.unit,
            channels=(Channel.IN_APP, Channel.WECOM),
            urgent=True,
        )
    wecom.refresh_from_db()
    assert wecom.state == State.SENT and not wecom.digest and Recording.sent == [("火警", "")]


def test_a_digest_goes_once_however_many_workers_run_the_job(
    manager, clock, settings, django_capture_on_commit_callbacks
):
    settings.GUANJIA_WECOM_BACKEND = RECORDING
    burst(manager, clock, django_capture_on_commit_callbacks, count=4, minutes=2)
    later = clock["now"] + datetime.timedelta(minutes=20)
    second_worker = []
    # While the provider is busy with the digest, a second worker runs the job.
    Recording.during_send = lambda n: second_worker.append(digest.deliver_digests(now=later))
    assert services.deliver_due(now=later) == 4
    assert second_worker == [0]
    assert services.deliver_due(now=later) == 0 and digest.deliver_digests(now=later) == 0
    assert len(Recording.sent) == 1


def test_a_failed_digest_is_retried_as_one(
    manager, clock, settings, django_capture_on_commit_callbacks, wecom
):
    settings.GUANJIA_NOTIFICATION_DIGEST_MINUTES = 15
    wecom.fail_next = [{"errcode": -1, "errmsg": "system busy"}]
    burst(manager, clock, django_capture_on_commit_callbacks, count=4, minutes=2)
    due = clock["now"] + datetime.timedelta(minutes=15)
    assert services.deliver_due(now=due) == 0
    rows = Notification.objects.filter(channel=Channel.WECOM)
    assert {(r.state, r.attempts) for r in rows} == {(State.PENDING, 1)}
    assert services.deliver_due(now=due + datetime.timedelta(minutes=2)) == 4
    [message] = wecom.messages
    assert message["touser"] == "wx-manager" and message["textcard"]["title"] == "您有 4 条新通知"
    assert message["textcard"]["url"].endswith("/notifications/")


def test_the_bell_groups_by_record_newest_first(manager, clock, django_capture_on_commit_callbacks):
    units = burst(manager, clock, django_capture_on_commit_callbacks, count=6, minutes=3)
    client = Client()
    client.force_login(manager.manager)
    html = client.get("/notifications/").content.decode()
    assert html.count("data-notification=") == 3 and html.count('data-testid="group-count"') == 3
    assert (
        html.index(f"【2级】{units[2]}") < html.index(f"【2级】{units[1]}") < html.index(f"【2级】{units[0]}")
    )
    assert f"【1级】{units[0]}" not in html
    # Opening a line reads every message about that record.
    newest = (
        Notification.objects.filter(channel=Channel.IN_APP, object_id=units[2].pk).order_by("-id").first()
    )
    client.post(f"/notifications/{newest.pk}/open/")
    assert not Notification.objects.filter(
        object_id=units[2].pk, channel=Channel.IN_APP, read_at__isnull=True
    ).exists()
    assert Notification.objects.filter(channel=Channel.IN_APP, read_at__isnull=True).count() == 4
