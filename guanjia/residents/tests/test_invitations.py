"""Invitation → activation → SMS sign-in → the portal; expiry, re-send limits, scope, bulk, export."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.core.models import ObjectChange
from guanjia.notifications.models import Notification
from guanjia.residents.models import Invitation
from guanjia.residents.services import resident_account_ensure
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.testing.clock import local_time_today
from guanjia.testing.residents import last_code, last_link, sms_to

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _invite(world, committed, resident=None, user=None):
    resident = resident or world.resident
    with committed():
        return _client(user or world.desk).post(f"/residents/{resident.pk}/invite/")


def test_invitation_activation_sms_sign_in_and_the_portal(world, sms, committed):
    resident = world.resident
    response = _invite(world, committed)
    assert response.status_code == 302
    invitation = Invitation.objects.get(resident=resident)
    assert invitation.sent_by == world.desk and invitation.send_count == 1
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(hours=72)
    # The SMS carries the link; the outbox row keeps it masked once sent, and the journal never saw it.
    link = last_link(sms, resident.phone)
    token = link.rstrip("/").rsplit("/", 1)[1]
    row = Notification.objects.get(kind="residents.invitation", recipient=resident.user)
    assert token not in row.body and token not in str(row.message) and token not in row.url
    assert not ObjectChange.objects.filter(changes__icontains=token).exists()
    assert ObjectChange.objects.filter(object_id=str(invitation.pk), actor=world.desk).exists()

    # The console shows the state in the list and lets one filter by it.
    listing = _client(world.desk).get("/residents/", {"account_state": "invited"})
    assert resident.name in listing.content.decode() and "已邀请" in listing.content.decode()

    # Opening the link (GET) uses nothing up: a link preview cannot activate it.
    anonymous = Client()
    page = anonymous.get(link)
    assert page.status_code == 200 and resident.name in page.content.decode()
    with committed():
        response = anonymous.post(link, {"password": ""})
    assert response.status_code == 302 and response.url == "/portal/"
    assert anonymous.get("/portal/").status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    listing = _client(world.desk).get("/residents/", {"account_state": "active"})
    assert resident.name in listing.content.decode()

    # The link works once.
    again = Client().get(link)
    assert again.status_code == 410 and "已使用过" in again.content.decode()
    assert "/portal/login/" in again.content.decode()

    # Later: phone → code → in, without any password.
    client = Client()
    with committed():
        sent = client.post("/portal/login/", {"phone": resident.phone, "action": "send"})
    assert sent.status_code == 200 and "验证码已发送" in sent.content.decode()
    code = last_code(sms, resident.phone)
    response = client.post("/portal/login/", {"phone": resident.phone, "code": code, "action": "verify"})
    assert response.status_code == 302 and response.url == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200 and home.wsgi_request.user == resident.user


def test_activation_may_set_a_password(world, sms, committed):
    _invite(world, committed)
    link = last_link(sms, world.resident.phone)
    client = Client()
    weak = client.post(link, {"password": "123"})
    assert weak.status_code == 200 and "password" in weak.context["form"].errors
    assert Invitation.objects.get().accepted_at is None
    client.post(link, {"password": "Qingshan-2026-lake"})
    world.resident.user.refresh_from_db()
    assert world.resident.user.check_password("Qingshan-2026-lake")


def test_an_expired_link_offers_sms_sign_in(world, sms, committed):
    _invite(world, committed)
    link = last_link(sms, world.resident.phone)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    page = Client().post(link)
    assert page.status_code == 410 and "已过期" in page.content.decode()
    assert Invitation.objects.get().accepted_at is None
    listing = _client(world.desk).get("/residents/", {"account_state": "expired"})
    assert world.resident.name in listing.content.decode()
    assert world.other_resident.name not in listing.content.decode()


def test_resending_is_rate_limited(world, sms, committed, settings):
    # "Three a day" counts the calendar day: at noon, eleven minutes back is still today.
    with local_time_today(12):
        _invite(world, committed)
        first = last_link(sms, world.resident.phone)
        api = Api(world.desk)
        refused = api.post(f"residents/{world.resident.pk}/invite")
        assert refused.status_code == 409 and "分钟后再重发" in refused.json()["detail"]
        # Ten minutes later it may be sent again: a new link, the old one dead.
        Invitation.objects.update(sent_at=timezone.now() - datetime.timedelta(minutes=11))
        with committed():
            assert api.post(f"residents/{world.resident.pk}/invite").status_code == 200
        second = last_link(sms, world.resident.phone)
        assert second != first
        assert Client().post(first).status_code == 410
        assert Invitation.objects.get().send_count == 2
        # At most three a day.
        for _ in range(1):
            Invitation.objects.update(sent_at=timezone.now() - datetime.timedelta(minutes=11))
            assert api.post(f"residents/{world.resident.pk}/invite").status_code == 200
        Invitation.objects.update(sent_at=timezone.now() - datetime.timedelta(minutes=11))
        refused = api.post(f"residents/{world.resident.pk}/invite")
        assert refused.status_code == 409 and "明天再试" in refused.json()["detail"]
        assert Invitation.objects.get().send_count == 3


def test_staff_of_another_company_or_project_cannot_invite(world, sms, committed):
    for user in (world.foreign_admin, world.sibling_desk):
        assert _client(user).post(f"/residents/{world.resident.pk}/invite/").status_code == 404
        assert Api(user).post(f"residents/{world.resident.pk}/invite").status_code == 404
    assert Api(world.technician).post(f"residents/{world.resident.pk}/invite").status_code == 403
    assert Api(world.resident_user).post(f"residents/{world.resident.pk}/invite").status_code in (403, 404)
    assert not Invitation.objects.exists()
    assert sms_to(sms, world.resident.phone) == []


def test_a_resident_account_is_one_per_resident_and_not_guessable(world):
    resident = f.ResidentFactory(project=world.project, phone="13912345678")
    user = resident_account_ensure(resident)
    assert resident_account_ensure(resident) == user
    assert user.company_id == world.company.pk
    assert not user.has_usable_password()
    assert "5678" not in user.username and "139" not in user.username


def test_bulk_invitation_of_a_building(world, sms, committed):
    # The world's resident has signed in before: active, not invited again.
    user = world.resident_user
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    extra = f.OccupancyFactory(unit=f.UnitFactory(building=world.building, number="1203")).resident
    client = _client(world.desk)
    with committed():
        response = client.post("/residents/invite/", {"building": world.building.pk})
    assert response.status_code == 200
    result = response.context["result"]
    assert {item.label for item in result.done} == {world.other_resident.name, extra.name}
    assert sms_to(sms, extra.phone) and not sms_to(sms, world.resident.phone)
    # Running it again invites nobody twice.
    with committed():
        again = client.post("/residents/invite/", {"building": world.building.pk})
    assert again.context["result"].items == []
    # The API does the same for a project; another company's project is refused on the field.
    foreign = Api(world.desk).post("residents/invite-bulk", {"project_id": world.foreign_project.pk})
    assert foreign.status_code == 422 and "project_id" in foreign.json()["errors"]


def test_the_export_has_the_account_state(world, sms, committed):
    _invite(world, committed)
    response = _client(world.desk).get("/data/export/residents.csv")
    text = response.content.decode("utf-8-sig")
    assert "业主端" in text.splitlines()[0]
    line = next(line for line in text.splitlines() if world.resident.name in line)
    assert "已邀请" in line
    other = next(line for line in text.splitlines() if world.other_resident.name in line)
    assert "未邀请" in other
    only = _client(world.desk).get("/data/export/residents.csv", {"account_state": "invited"})
    assert world.other_resident.name not in only.content.decode("utf-8-sig")


def test_an_import_may_invite_the_files_residents(world, sms, committed, settings, tmp_path):
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanjia.dataio.importing import TEMPLATE_HEADERS

    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(["1栋", "12", "1299", "88.5", "已入住", "柳青", "13812340000", "业主", "2025-01-01"])
    writer.writerow(
        [
            "1栋",
            "12",
            "1201",
            "89.5",
            "已入住",
            world.resident.name,
            world.resident.phone,
            "业主",
            "2024-01-01",
        ]
    )
    upload = SimpleUploadedFile("住户.csv", out.getvalue().encode("utf-8-sig"))
    client = _client(world.admin)
    assert "导入后向文件中的住户发送业主端邀请短信" in client.get("/data/import/").content.decode()
    with committed():
        response = client.post(
            "/data/import/", {"project": world.project.pk, "file": upload, "option_invite_residents": "on"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The page first shows what would change (a dry run); the person confirms it.
    page = client.get(response["Location"]).content.decode()
    assert "预览（尚未写入）" in page
    with committed():
        client.post(response["Location"] + "confirm/")
    assert sms_to(sms, "13812340000") and sms_to(sms, world.resident.phone)
    assert Invitation.objects.count() == 2
    # The API takes the option by name; an unknown one is refused on the field.
    api = Api(world.admin)
    refused = api.client.post(
        "/api/v1/imports",
        data={
            "project_id": world.project.pk,
            "file": SimpleUploadedFile("x.csv", out.getvalue().encode()),
            "options": "nope",
        },
        headers=api.headers,
    )
    assert refused.status_code == 422 and "options" in refused.json()["errors"]
