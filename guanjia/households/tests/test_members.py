"""Household members and tenants, what each may do, the end of a tenancy, revocation, move-out."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.models import ObjectChange
from guanjia.estates import services as estate_services
from guanjia.estates.models import Occupancy, Resident, Unit
from guanjia.estates.selectors import occupancy_allows
from guanjia.households import services
from guanjia.notifications.models import Notification
from guanjia.tickets import services as ticket_services
from guanjia.tickets.models import Ticket

MEMBER_PHONE = "13700001111"


def invite(hw, **extra):
    data = {
        "unit_id": hw.unit.pk,
        "name": "王小明",
        "phone": MEMBER_PHONE,
        "relation": "family",
        "may_report": True,
        "may_pay": False,
        "may_vote": False,
    } | extra
    return services.member_invite(actor=hw.resident_user, data=data)


def member_user(occupancy):
    return Resident.objects.get(pk=occupancy.resident_id).user


def report(user, unit):
    return ticket_services.ticket_create(actor=user, data={"unit_id": unit.pk, "description": "卫生间漏水"})


def test_owner_invites_a_family_member_who_may_report_but_not_pay(hw):
    occupancy = invite(hw)
    assert occupancy.invited_by_id == hw.resident.pk and occupancy.relation == "family"
    user = member_user(occupancy)
    assert user.company_id == hw.company.pk
    assert Notification.objects.filter(recipient=user, kind="residents.invitation").exists()
    assert list(Unit.objects.visible_to(user)) == [hw.unit]
    ticket = report(user, hw.unit)
    assert ticket.reporter_resident_id == occupancy.resident_id
    assert occupancy_allows(occupancy.resident_id, hw.unit, "report")
    assert not occupancy_allows(occupancy.resident_id, hw.unit, "pay")
    assert not occupancy_allows(occupancy.resident_id, hw.unit, "vote")
    # The bills page shows the unit, saying that paying is the owner's.
    client = Client()
    client.force_login(user)
    page = client.get("/portal/bills/")
    assert page.status_code == 200 and "缴费由业主办理" in page.content.decode()


def test_a_member_not_allowed_to_report_is_refused_and_not_offered_the_unit(hw):
    occupancy = invite(hw, may_report=False, may_pay=True)
    user = member_user(occupancy)
    with pytest.raises(ValidationError) as error:
        report(user, hw.unit)
    assert "unit_id" in error.value.message_dict
    assert not Ticket.objects.filter(reporter_resident_id=occupancy.resident_id).exists()
    client = Client()
    client.force_login(user)
    page = client.get("/portal/report/")
    assert "暂无登记的房屋" in page.content.decode()
    posted = client.post(
        "/portal/report/", {"unit": hw.unit.pk, "description": "漏水", "form_token": "x" * 32}
    )
    assert posted.status_code == 422
    assert not Ticket.objects.filter(reporter_resident_id=occupancy.resident_id).exists()


def test_the_owners_invitation_finds_a_known_resident_by_phone(hw):
    occupancy = invite(hw, phone=hw.other_resident.phone, name="隔壁邻居")
    assert occupancy.resident_id == hw.other_resident.pk
    assert set(Unit.objects.visible_to(hw.other_resident_user)) == {hw.unit, hw.other_unit}
    with pytest.raises(Conflict):
        invite(hw, phone=hw.other_resident.phone)


def test_only_an_owner_invites_and_only_to_their_own_unit(hw):
    tenant = invite(hw, relation="tenant", end_on=timezone.localdate() + datetime.timedelta(days=30))
    with pytest.raises(NotAllowed):
        services.member_invite(
            actor=member_user(tenant),
            data={"unit_id": hw.unit.pk, "name": "x", "phone": "13700002222", "relation": "family"},
        )
    with pytest.raises(NotFound):
        invite(hw, unit_id=hw.other_unit.pk)
    with pytest.raises(NotFound):
        invite(hw, unit_id=hw.foreign_unit.pk)
    with pytest.raises(NotAllowed):
        services.member_invite(actor=hw.desk, data={"unit_id": hw.unit.pk})
    assert Occupancy.objects.filter(unit=hw.unit).count() == 2  # the owner and the tenant only


@pytest.mark.parametrize(
    "change, field",
    [
        ({"phone": "12"}, "phone"),
        ({"relation": "owner"}, "relation"),
        ({"relation": "tenant", "end_on": None}, "end_on"),
        ({"end_on": "2000-01-01"}, "end_on"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_invitation_is_a_field_error(hw, change, field):
    with pytest.raises(ValidationError) as error:
        invite(hw, **change)
    assert field in error.value.message_dict
    assert not Resident.objects.filter(phone=MEMBER_PHONE).exists()


def test_a_tenancy_ends_at_its_end_date(hw):
    tenant = invite(hw, relation="tenant", end_on=timezone.localdate() + datetime.timedelta(days=1))
    user = member_user(tenant)
    assert list(Unit.objects.visible_to(user)) == [hw.unit]
    ticket = report(user, hw.unit)
    # The lease ran out yesterday (by dates: any hour of the day).
    Occupancy.objects.filter(pk=tenant.pk).update(
        start_on=timezone.localdate() - datetime.timedelta(days=40),
        end_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert not Unit.objects.visible_to(user).exists()
    assert not Ticket.objects.visible_to(user).exists()
    assert not occupancy_allows(tenant.resident_id, hw.unit, "report")
    with pytest.raises(ValidationError):
        report(user, hw.unit)
    assert Ticket.objects.visible_to(hw.desk).filter(pk=ticket.pk).exists()


def test_revocation_ends_access_at_once_and_is_journaled(hw):
    occupancy = invite(hw)
    user = member_user(occupancy)
    assert Unit.objects.visible_to(user).exists()  # caches the member's scope
    services.member_revoke(actor=hw.resident_user, occupancy=occupancy)
    occupancy.refresh_from_db()
    assert occupancy.end_on == timezone.localdate() and occupancy.ended_at is not None
    assert not Unit.objects.visible_to(user).exists()
    assert not Occupancy.objects.visible_to(user).exists()
    assert ObjectChange.objects.filter(object_id=str(occupancy.pk), action="update").exists()
    with pytest.raises(Conflict):
        services.member_revoke(actor=hw.resident_user, occupancy=occupancy)


def test_nobody_but_the_owner_revokes_and_owners_are_not_revoked(hw):
    occupancy = invite(hw)
    with pytest.raises(NotFound):
        services.member_revoke(actor=hw.other_resident_user, occupancy=occupancy)
    with pytest.raises(NotAllowed):
        services.member_revoke(actor=member_user(occupancy), occupancy=occupancy)
    owner = Occupancy.objects.get(resident=hw.resident, unit=hw.unit)
    with pytest.raises(NotAllowed):
        services.member_revoke(actor=hw.resident_user, occupancy=owner)
    occupancy.refresh_from_db()
    assert occupancy.is_current


def test_move_out_removes_portal_access_at_once_and_staff_keep_the_history(hw):
    ticket = report(hw.resident_user, hw.unit)
    owner = Occupancy.objects.get(resident=hw.resident, unit=hw.unit)
    assert Ticket.objects.visible_to(hw.resident_user).filter(pk=ticket.pk).exists()
    estate_services.occupancy_end(actor=hw.desk, occupancy=owner)
    assert not Unit.objects.visible_to(hw.resident_user).exists()
    assert not Ticket.objects.visible_to(hw.resident_user).exists()
    assert Ticket.objects.visible_to(hw.desk).filter(pk=ticket.pk).exists()
    assert Occupancy.objects.visible_to(hw.desk).filter(pk=owner.pk).exists()
    client = Client()
    client.force_login(hw.resident_user)
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 404
    with pytest.raises(Conflict):
        estate_services.occupancy_end(actor=hw.desk, occupancy=owner)


def test_move_out_is_staff_work_within_scope(hw):
    owner = Occupancy.objects.get(resident=hw.resident, unit=hw.unit)
    with pytest.raises(NotAllowed):
        estate_services.occupancy_end(actor=hw.resident_user, occupancy=owner)
    for outsider in (hw.sibling_desk, hw.foreign_admin):
        with pytest.raises(ValidationError):
            estate_services.occupancy_end(actor=outsider, occupancy=owner)
    owner.refresh_from_db()
    assert owner.is_current


def test_move_out_button_on_the_resident_page(hw):
    owner = Occupancy.objects.get(resident=hw.resident, unit=hw.unit)
    client = Client()
    client.force_login(hw.desk)
    page = client.get(f"/residents/{hw.resident.pk}/")
    assert 'data-testid="move-out"' in page.content.decode()
    response = client.post(f"/occupancies/{owner.pk}/end/", {"next": f"/units/{hw.unit.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/units/{hw.unit.pk}/"
    owner.refresh_from_db()
    assert not owner.is_current
    client.force_login(hw.sibling_desk)
    other = Occupancy.objects.get(resident=hw.other_resident)
    assert client.post(f"/occupancies/{other.pk}/end/").status_code == 404
    other.refresh_from_db()
    assert other.is_current
