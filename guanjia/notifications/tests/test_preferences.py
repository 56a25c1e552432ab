"""Each person chooses their push channels (通知设置); urgent messages go on every channel anyway;
in-app cannot be turned off; nobody sets another person's choices."""

import pytest
from django.core.exceptions import ValidationError

from guanjia.core.errors import NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.notifications import services
from guanjia.notifications.addresses import channel_address_set
from guanjia.notifications.kinds import register_kind
from guanjia.notifications.models import Channel, ChannelPreference
from guanjia.notifications.preferences import channel_preferences_set, choices_for
from guanjia.staff.models import StaffMember
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

register_kind("tests.emergency", "突发事件（测试）", urgent=True)
EVERY = (Channel.IN_APP, Channel.SMS, Channel.WECOM, Channel.EMAIL)


@pytest.fixture
def reachable(emails):
    world = emails
    StaffMember.objects.filter(user=world.technician).update(phone="13900000001")
    world.technician.refresh_from_db()
    channel_address_set(actor=world.admin, user=world.technician, channel="wecom", address="wx-tech")
    return world


def channels_of(rows):
    return sorted(n.channel for n in rows)


def test_a_channel_turned_off_is_skipped_but_urgent_messages_use_every_channel(reachable):
    world = reachable
    channel_preferences_set(
        actor=world.technician, user=world.technician, choices={"sms": False, "email": False}
    )
    normal = services.notify(recipients=[world.technician], subject="日常", body="", channels=EVERY)
    assert channels_of(normal) == ["in_app", "wecom"]
    urgent = services.notify(
        recipients=[world.technician], subject="停水", body="", channels=EVERY, urgent=True
    )
    assert channels_of(urgent) == ["email", "in_app", "sms", "wecom"]
    chain = services.notify(
        recipients=[world.technician], subject="火警", body="", channels=EVERY, kind="tests.emergency"
    )
    assert channels_of(chain) == ["email", "in_app", "sms", "wecom"]
    # Turned back on: no row is needed for "yes".
    channel_preferences_set(actor=world.technician, user=world.technician, choices={"sms": True})
    assert channels_of(
        services.notify(recipients=[world.technician], subject="再次", body="", channels=EVERY)
    ) == ["in_app", "sms", "wecom"]
    assert ObjectChange.objects.filter(content_type__model="channelpreference").count() >= 3


def test_in_app_cannot_be_turned_off_and_nobody_chooses_for_another(reachable):
    world = reachable
    with pytest.raises(ValidationError) as refused:
        channel_preferences_set(actor=world.technician, user=world.technician, choices={"in_app": False})
    assert "in_app" in refused.value.message_dict
    with pytest.raises(ValidationError):
        channel_preferences_set(actor=world.technician, user=world.technician, choices={"fax": False})
    with pytest.raises(NotAllowed):
        channel_preferences_set(actor=world.admin, user=world.technician, choices={"sms": False})
    assert ChannelPreference.objects.count() == 0


def test_the_settings_list_only_channels_the_person_has(reachable):
    world = reachable
    assert [c.channel for c in choices_for(world.technician)] == ["in_app", "sms", "wecom", "email"]
    assert [c.channel for c in choices_for(world.resident_user)] == ["in_app", "sms", "email"]


def test_the_api(reachable):
    world = reachable
    api = Api(world.resident_user)
    assert [c["channel"] for c in api.get("notifications/preferences").json()] == ["in_app", "sms", "email"]
    bad = api._call("put", "notifications/preferences", {"channels": {"in_app": False}})
    assert bad.status_code == 422 and "in_app" in bad.json()["errors"]
    ok = api._call("put", "notifications/preferences", {"channels": {"sms": False}})
    assert ok.status_code == 200
    assert {c["channel"]: c["enabled"] for c in ok.json()} == {"in_app": True, "sms": False, "email": True}
    # Another person's choices are their own.
    assert all(c["enabled"] for c in Api(world.technician).get("notifications/preferences").json())
    assert Api().get("notifications/preferences").status_code == 401


@pytest.mark.parametrize("who", ["technician", "resident_user"])
def test_the_settings_page_for_staff_and_residents(reachable, client, who):
    world = reachable
    user = getattr(world, who)
    client.force_login(user)
    page = client.get("/notifications/settings/").content.decode()
    assert "通知设置" in page and 'value="sms"' in page and 'value="in_app"' in page
    response = client.post("/notifications/settings/", {"channels": ["email"]})
    assert response.status_code == 302
    assert {c.channel: c.enabled for c in choices_for(user)}["sms"] is False
    assert {c.channel: c.enabled for c in choices_for(user)}["email"] is True
