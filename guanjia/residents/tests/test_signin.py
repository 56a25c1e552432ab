"""Sign-in by phone and SMS code: tries, cool-down, limits, no enumeration, hashed codes, companies."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanjia.core.models import ObjectChange
from guanjia.core.scoping import scope_for
from guanjia.estates.models import Project, Unit
from guanjia.notifications.models import Notification, State
from guanjia.residents import signin
from guanjia.residents.delivery import redact_sent
from guanjia.residents.models import SignInCode, Throttle
from guanjia.testing import factories as f
from guanjia.testing.api import Api
from guanjia.testing.residents import last_code, sms_to

pytestmark = pytest.mark.django_db

UNKNOWN = "13700001111"


def _send(client, phone, committed):
    with committed():
        return client.post("/portal/login/", {"phone": phone, "action": "send"})


def _verify(client, phone, code):
    return client.post("/portal/login/", {"phone": phone, "code": code, "action": "verify"})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_five_wrong_tries_burn_the_code_and_cool_the_number_down(world, sms, committed):
    phone = world.resident.phone
    client = Client()
    _send(client, phone, committed)
    code = last_code(sms, phone)
    for left in (4, 3, 2, 1):
        response = _verify(client, phone, _wrong(code))
        assert response.status_code == 200
        assert f"还可尝试 {left} 次" in str(response.context["form"].errors["code"])
    fifth = _verify(client, phone, _wrong(code))
    assert fifth.status_code == 429 and "错误次数过多" in fifth.content.decode()
    # Even the right code is refused while the number cools down, and no new code is sent.
    assert _verify(client, phone, code).status_code == 429
    assert _send(Client(), phone, committed).status_code == 429
    assert not client.session.get("_auth_user_id")
    # After the cool-down a new code works.
    Throttle.objects.filter(key=f"cool:{phone}").update(blocked_until=timezone.now())
    Throttle.objects.filter(key__startswith="code:phone:1m").update(
        window_start=timezone.now() - datetime.timedelta(minutes=2)
    )
    _send(client, phone, committed)
    assert _verify(client, phone, last_code(sms, phone)).status_code == 302


def test_codes_expire_after_five_minutes(world, sms, committed):
    client = Client()
    _send(client, world.resident.phone, committed)
    code = last_code(sms, world.resident.phone)
    SignInCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _verify(client, world.resident.phone, code)
    assert "已过期" in str(response.context["form"].errors["code"])


def test_codes_are_kept_hashed_and_never_readable_after_sending(world, sms, committed):
    phone = world.resident.phone
    _send(Client(), phone, committed)
    code = last_code(sms, phone)
    row = SignInCode.objects.get(phone=phone)
    assert code not in row.code_hash and len(row.code_hash) == 64
    sent = Notification.objects.get(kind="residents.sms_code")
    # Urgent (never held back by quiet hours), SMS only (nothing in the bell).
    assert sent.channel == "sms" and sent.state == State.SENT and not sent.quiet_hours
    assert not Notification.objects.filter(kind="residents.sms_code", channel="in_app").exists()
    assert code not in sent.body and code not in sent.subject and code not in str(sent.message)
    assert not ObjectChange.objects.filter(changes__icontains=code).exists()
    assert redact_sent() >= 1 and SignInCode.objects.get().redacted
    # A day later the code and its counters are gone.
    assert Throttle.objects.exists()
    redact_sent(now=timezone.now() + datetime.timedelta(days=1, minutes=1))
    assert not SignInCode.objects.exists() and not Throttle.objects.exists()


def test_no_enumeration_same_answer_same_work(world, sms, committed):
    known, unknown = Api(), Api()
    with CaptureQueriesContext(connection) as for_known:
        a = known.post("auth/sms-code", {"phone": world.resident.phone})
    Throttle.objects.filter(key__startswith="code:ip:").delete()  # both as a first request from the address
    with CaptureQueriesContext(connection) as for_unknown:
        b = unknown.post("auth/sms-code", {"phone": UNKNOWN})
    assert a.status_code == b.status_code == 202
    assert a.json().keys() == b.json().keys()
    assert a.json()["detail"].replace(a.json()["phone"], "") == b.json()["detail"].replace(
        b.json()["phone"], ""
    )
    # The request does the same statements for both (who the number is, is decided by the job).
    assert [q["sql"].split(" ")[0] for q in for_known] == [q["sql"].split(" ")[0] for q in for_unknown]
    assert len(for_known) == len(for_unknown)


def test_a_number_nobody_knows_gets_a_code_and_is_marked_verified(world, sms, committed):
    client = Client()
    _send(client, UNKNOWN, committed)
    code = last_code(sms, UNKNOWN)  # sent straight to the SMS backend: no login to address
    response = _verify(client, UNKNOWN, code)
    # Straight on to claiming a unit (households' 业主认证 page).
    assert response.status_code == 302 and response.url == "/portal/join/"
    assert client.session[signin.VERIFIED_KEY]["phone"] == UNKNOWN
    assert client.get(response.url).status_code == 200
    request = response.wsgi_request
    assert signin.verified_phone(request) == UNKNOWN
    request.session[signin.VERIFIED_KEY]["verified_at"] = (
        timezone.now() - datetime.timedelta(minutes=31)
    ).isoformat()
    assert signin.verified_phone(request) is None
    assert not client.session.get("_auth_user_id")


def test_bad_phone_format_names_the_field(world):
    response = Client().post("/portal/login/", {"phone": "12345", "action": "send"})
    assert "phone" in response.context["form"].errors
    api = Api().post("auth/sms-code", {"phone": "12345"})
    assert api.status_code == 422 and "phone" in api.json()["errors"]
    missing = Api().post("auth/sms-login", {"phone": world.resident.phone})
    assert missing.status_code == 422 and "code" in str(missing.json())
    wrong = Api().post("auth/sms-login", {"phone": world.resident.phone, "code": "12ab"})
    assert wrong.status_code == 422 and "code" in wrong.json()["errors"]


def test_api_sign_in_returns_the_usual_token_and_limits_with_429(world, sms, committed):
    phone = world.resident.phone
    with committed():
        assert Api().post("auth/sms-code", {"phone": phone}).status_code == 202
    again = Api().post("auth/sms-code", {"phone": phone})
    assert again.status_code == 429 and again.json()["detail"]
    code = last_code(sms, phone)
    response = Api().post("auth/sms-login", {"phone": phone, "code": code})
    assert response.status_code == 201 and set(response.json()) == {"token", "expires_at"}
    me = Client().get("/api/v1/units", headers={"Authorization": f"Bearer {response.json()['token']}"})
    assert me.status_code == 200 and [u["id"] for u in me.json()["items"]] == [world.unit.pk]
    # The code signs in once.
    assert Api().post("auth/sms-login", {"phone": phone, "code": code}).status_code == 422
    # Per client address: past the hourly limit every number is refused.
    for n in range(30):
        Api().post("auth/sms-code", {"phone": f"1360000{n:04d}"})
    assert Api().post("auth/sms-code", {"phone": "13511112222"}).status_code == 429


def test_a_number_in_two_companies_chooses(world, sms, committed):
    phone = world.resident.phone
    other = f.OccupancyFactory(
        unit=f.UnitFactory(building=f.BuildingFactory(project=world.foreign_project)),
        resident=f.ResidentFactory(project=world.foreign_project, phone=phone),
    ).resident
    with committed():
        Api().post("auth/sms-code", {"phone": phone})
    assert len(sms_to(sms, phone)) == 1  # one SMS, whatever the number of companies
    code = last_code(sms, phone)
    ambiguous = Api().post("auth/sms-login", {"phone": phone, "code": code})
    assert ambiguous.status_code == 422 and "company_id" in ambiguous.json()["errors"]
    assert "别家物业" in ambiguous.json()["errors"]["company_id"][0]
    chosen = Api().post(
        "auth/sms-login", {"phone": phone, "code": code, "company_id": world.other_company.pk}
    )
    assert chosen.status_code == 201
    other.refresh_from_db()
    assert other.user.company_id == world.other_company.pk
    # On the web the person picks on a page; only their own residents are offered.
    client = Client()
    Throttle.objects.all().delete()
    _send(client, phone, committed)
    response = _verify(client, phone, last_code(sms, phone))
    assert response.status_code == 302 and response.url == "/portal/login/choose/"
    page = client.get(response.url)
    assert "金苑物业" in page.content.decode() and "别家物业" in page.content.decode()
    client.post(response.url, {"resident": world.resident.pk})
    assert client.get("/portal/").wsgi_request.user == world.resident_user


def test_units_in_two_estates_of_one_company_show_in_one_portal(world, sms, committed):
    resident = world.resident
    sibling_unit = f.UnitFactory(building=f.BuildingFactory(project=world.sibling_project))
    f.OccupancyFactory(unit=sibling_unit, resident=resident)
    client = Client()
    _send(client, resident.phone, committed)
    _verify(client, resident.phone, last_code(sms, resident.phone))
    user = client.get("/portal/").wsgi_request.user
    assert scope_for(user).is_resident
    assert set(Unit.objects.visible_to(user).values_list("pk", flat=True)) == {world.unit.pk, sibling_unit.pk}
    assert set(Project.objects.visible_to(user)) == {world.project, world.sibling_project}
    report = client.get("/portal/report/")
    assert (
        str(sibling_unit.number) in report.content.decode()
        and str(world.unit.number) in report.content.decode()
    )
