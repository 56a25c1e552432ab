"""Binding a person's WeCom userid / WeChat openid: who may, what is refused, journaled; the staff
page and API carry the WeCom userid for administrators."""

import pytest
from django.core.exceptions import ValidationError

from guanjia.core.errors import NotAllowed, NotFound
from guanjia.core.models import ObjectChange
from guanjia.notifications.addresses import channel_address_clear, channel_address_set
from guanjia.notifications.channels import address_for
from guanjia.notifications.models import ChannelAddress
from guanjia.notifications.tests.conftest import OPENID_RESIDENT
from guanjia.staff.models import StaffMember
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def test_a_resident_binds_their_own_openid_once_per_company(world):
    bound = channel_address_set(
        actor=world.resident_user, user=world.resident_user, channel="wechat", address=OPENID_RESIDENT
    )
    assert address_for(world.resident_user, "wechat") == OPENID_RESIDENT
    # Binding again is a no-op; the same openid for another resident is refused, naming the field.
    assert (
        channel_address_set(
            actor=world.resident_user, user=world.resident_user, channel="wechat", address=OPENID_RESIDENT
        )
        == bound
    )
    with pytest.raises(ValidationError) as refused:
        channel_address_set(
            actor=world.other_resident_user,
            user=world.other_resident_user,
            channel="wechat",
            address=OPENID_RESIDENT,
        )
    assert list(refused.value.message_dict) == ["address"]
    change = ObjectChange.objects.filter(
        content_type__model="channeladdress", object_id=str(bound.pk), action="create"
    ).get()
    assert change.actor == world.resident_user


def test_only_administrators_bind_others_and_wecom(world):
    with pytest.raises(NotAllowed):
        channel_address_set(
            actor=world.resident_user, user=world.resident_user, channel="wecom", address="abc"
        )
    with pytest.raises(NotAllowed):
        channel_address_set(actor=world.manager, user=world.technician, channel="wecom", address="wx-tech")
    with pytest.raises(NotFound):
        channel_address_set(
            actor=world.foreign_admin, user=world.technician, channel="wecom", address="wx-tech"
        )
    with pytest.raises(ValidationError) as refused:
        channel_address_set(actor=world.admin, user=world.technician, channel="sms", address="13900000000")
    assert "channel" in refused.value.message_dict
    assert ChannelAddress.objects.count() == 0


@pytest.mark.parametrize("address", ["", "中文名", "-starts-with-dash", "x" * 65, "has space"])
def test_a_malformed_wecom_userid_is_refused(world, address):
    with pytest.raises(ValidationError) as refused:
        channel_address_set(actor=world.admin, user=world.technician, channel="wecom", address=address)
    assert list(refused.value.message_dict) == ["address"]


def test_a_userid_of_another_person_is_refused_naming_them_and_clear_unbinds(world):
    channel_address_set(actor=world.admin, user=world.technician, channel="wecom", address="zhang.san")
    with pytest.raises(ValidationError) as refused:
        channel_address_set(actor=world.admin, user=world.desk, channel="wecom", address="zhang.san")
    assert "维修工" in refused.value.message_dict["address"][0]
    assert channel_address_clear(actor=world.admin, user=world.technician, channel="wecom") is True
    assert channel_address_clear(actor=world.admin, user=world.technician, channel="wecom") is False
    assert address_for(world.technician, "wecom") == ""
    assert ObjectChange.objects.filter(action="delete", object_repr__contains="zhang.san").exists()


def test_the_staff_api_and_page_carry_the_wecom_userid_for_administrators(world, client):
    member = StaffMember.objects.get(user=world.technician)
    api = Api(world.admin)
    bad = api.patch(f"staff/{member.pk}", {"wecom_userid": "有空格 的"})
    assert bad.status_code == 422 and "wecom_userid" in bad.json()["errors"]
    ok = api.patch(f"staff/{member.pk}", {"wecom_userid": "wx-tech"})
    assert ok.status_code == 200 and ok.json()["wecom_userid"] == "wx-tech"
    assert Api(world.manager).patch(f"staff/{member.pk}", {"wecom_userid": "other"}).status_code == 403
    assert address_for(world.technician, "wecom") == "wx-tech"
    client.force_login(world.admin)
    form = client.get(f"/staff/{member.pk}/edit/").content.decode()
    assert 'name="wecom_userid"' in form and 'value="wx-tech"' in form
    taken = channel_address_set(actor=world.admin, user=world.desk, channel="wecom", address="wx-desk")
    page = client.post(
        f"/staff/{member.pk}/edit/",
        {
            "name": member.name,
            "department": member.department,
            "roles": ["technician"],
            "projects": [world.project.pk],
            "wecom_userid": taken.address,
        },
    )
    assert page.status_code == 422 and "已绑定给" in page.content.decode()
    assert address_for(world.technician, "wecom") == "wx-tech"
    client.force_login(world.manager)
    assert 'name="wecom_userid"' not in client.get(f"/staff/{member.pk}/edit/").content.decode()
