"""Read receipts: one per household, whoever of it reads first; the unread list the butler calls
from, filtered to the butler's buildings, on the page, in the API and as .xlsx."""

import io
import threading

import pytest
from django.db import IntegrityError, connection, connections
from django.test import Client
from openpyxl import load_workbook

from guanjia.core.models import ObjectChange
from guanjia.notices import selectors, services
from guanjia.notices.models import NoticeRead
from guanjia.notices.tests.conftest import published
from guanjia.testing.api import Api


@pytest.mark.django_db
def test_one_receipt_per_household_kept_from_its_first_reader(nw):
    notice = published(nw.manager, kind="outage_power", title="停电通知", project_id=nw.project.pk)
    portal = Client()
    portal.force_login(nw.resident_user)
    assert portal.get(f"/portal/notices/{notice.pk}/").status_code == 200
    assert portal.get(f"/portal/notices/{notice.pk}/").status_code == 200
    family = Api(nw.family_user).post(f"notices/{notice.pk}/read")
    assert family.status_code == 200 and family.json()["receipts_written"] == 0
    receipts = NoticeRead.objects.filter(notice=notice)
    assert list(receipts.values_list("unit_id", "resident_id")) == [(nw.unit.pk, nw.resident.pk)]
    stats = Api(nw.manager).get(f"notices/{notice.pk}/stats").json()
    assert (stats["total"], stats["read"], stats["unread"]) == (3, 1, 2)
    assert {b["building"]: (b["read"], b["total"]) for b in stats["buildings"]} == {
        "1栋": (1, 2),
        "2栋": (0, 1),
    }
    # The portal list marks it read for the whole household.
    listing = Client()
    listing.force_login(nw.family_user)
    assert 'data-testid="unread-dot"' not in listing.get("/portal/notices/").content.decode()


@pytest.mark.django_db
def test_a_receipt_written_meanwhile_by_another_member_is_kept(nw, monkeypatch):
    """The unique constraint decides a race: the member who loses writes nothing and fails nothing."""
    notice = published(nw.manager, project_id=nw.project.pk)
    services.notice_read(actor=nw.family_user, notice=notice)
    # As if the other member's receipt were not yet visible when this one looked.
    monkeypatch.setattr(NoticeRead.objects, "filter", lambda **kw: NoticeRead.objects.none())
    assert services.notice_read(actor=nw.resident_user, notice=notice) == []
    monkeypatch.undo()
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    with pytest.raises(IntegrityError):
        NoticeRead.objects.create(
            company=nw.company, notice=notice, unit=nw.unit, resident=nw.resident, read_at=notice.published_at
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
def test_two_members_reading_at_once_write_one_receipt(nw):
    notice = published(nw.manager, project_id=nw.project.pk)
    users = [nw.resident_user, nw.family_user] * 3
    barrier = threading.Barrier(len(users))

    def run(user):
        try:
            barrier.wait()
            services.notice_read(actor=user, notice=notice)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert NoticeRead.objects.filter(notice=notice, unit=nw.unit).count() == 1


@pytest.mark.django_db
def test_the_unread_list_is_who_has_not_read_in_the_butlers_buildings(nw):
    notice = published(nw.manager, kind="outage_lift", title="电梯停运", project_id=nw.project.pk)
    services.notice_read(actor=nw.other_resident_user, notice=notice)  # 1202 read
    everyone = {u.pk for u in selectors.unread_units(notice)}
    assert everyone == {nw.unit.pk, nw.unit2.pk}
    # The butler of 1栋 sees 1201 only, with the people living there, phones masked.
    rows = Api(nw.butler).get(f"notices/{notice.pk}/unread").json()["items"]
    assert [r["number"] for r in rows] == ["1201"]
    people = {p["name"]: p["phone"] for p in rows[0]["people"]}
    assert nw.resident.name in people and "****" in people[nw.resident.name]
    # The manager sees every building, or picks one.
    assert {r["number"] for r in Api(nw.manager).get(f"notices/{notice.pk}/unread").json()["items"]} == {
        "1201",
        "201",
    }
    only2 = Api(nw.manager).get(f"notices/{notice.pk}/unread", building_id=nw.building2.pk).json()["items"]
    assert [r["number"] for r in only2] == ["201"]
    # The page, with the reveal button that journals the look at a full number.
    page = Client()
    page.force_login(nw.butler)
    html = page.get(f"/notices/{notice.pk}/unread/").content.decode()
    assert "1201" in html and ">201<" not in html and 'data-testid="reveal-phone"' in html
    revealed = page.post(f"/residents/{nw.resident.pk}/reveal-phone/")
    assert nw.resident.phone in revealed.content.decode()
    assert ObjectChange.objects.filter(action="reveal", object_id=str(nw.resident.pk)).exists()
    # The file: exactly the page's rows.
    response = page.get("/data/export/notice_unread.xlsx", {"notice": notice.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["项目", "楼栋", "房号", "住户及电话"]
    assert [row[2] for row in values[1:]] == ["1201"]
    # After everybody read, nobody is left to call.
    services.notice_read(actor=nw.resident_user, notice=notice)
    services.notice_read(actor=nw.resident2_user, notice=notice)
    assert not selectors.unread_units(notice).exists()
