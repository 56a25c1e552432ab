"""Bad input named by field (API 422, form errors on the web), the console's form with attachments,
the service team's cards in the portal."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from guanjia.notices import services
from guanjia.notices.models import Notice, NoticeAttachment
from guanjia.notices.tests.conftest import published
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "gossip"}, "kind"),
        ({"title": ""}, "title"),
        ({"body": "x" * 5001}, "body"),
        ({"project_id": 0}, "project_id"),
        ({"building_id": "many"}, "building_id"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_saved(nw, change, field):
    data = {"kind": "tip", "title": "标题", "body": "正文", "project_id": nw.project.pk, **change}
    response = Api(nw.manager).post("notices", data)
    assert response.status_code == 422, response.content
    assert field in str(response.json()["errors"]), response.json()
    assert not Notice.objects.exists()


def test_a_building_of_another_project_is_refused_on_its_field(nw):
    other = nw.sibling_project
    from guanjia.testing import factories as f

    building = f.BuildingFactory(project=other)
    response = Api(nw.admin).post(
        "notices",
        {"kind": "tip", "title": "t", "body": "b", "project_id": nw.project.pk, "building_id": building.pk},
    )
    assert response.status_code == 422 and "building_id" in response.json()["errors"]


def test_the_console_form_drafts_with_attachments_and_shows_errors(nw):
    client = Client()
    client.force_login(nw.manager)
    assert client.get("/notices/new/").status_code == 200
    options = client.get("/notices/buildings/", {"project_id": nw.project.pk}).content.decode()
    assert "1栋" in options and "2栋" in options
    bad = client.post("/notices/new/", {"kind": "tip", "title": "", "body": "x", "project_id": nw.project.pk})
    assert bad.status_code == 422 and 'data-field="title"' in bad.content.decode()
    fake = client.post(
        "/notices/new/",
        {
            "kind": "outage_water",
            "title": "停水",
            "body": "x",
            "project_id": nw.project.pk,
            "attachments": [SimpleUploadedFile("a.pdf", b"MZ not a pdf", content_type="application/pdf")],
        },
    )
    assert fake.status_code == 422 and 'data-field="attachments"' in fake.content.decode()
    assert not Notice.objects.exists()
    ok = client.post(
        "/notices/new/",
        {
            "kind": "outage_water",
            "title": "周六停水",
            "body": "周六 9:00-12:00 停水。",
            "project_id": nw.project.pk,
            "building_id": nw.building.pk,
            "attachments": [
                SimpleUploadedFile("schedule.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
                SimpleUploadedFile("map.png", png(), content_type="image/png"),
            ],
        },
    )
    assert ok.status_code == 302
    notice = Notice.objects.get()
    assert notice.status == "draft" and notice.building_id == nw.building.pk
    files = list(NoticeAttachment.objects.filter(notice=notice).values_list("name", flat=True))
    assert files == ["schedule.pdf", "map.png"]
    detail = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "schedule.pdf" in detail and 'data-testid="notice-publish"' in detail
    assert client.post(f"/notices/{notice.pk}/publish/", {"publish_at": ""}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == "published"
    # The household of 1栋 fetches the attachment; the household of 2栋 may not.
    attachment = NoticeAttachment.objects.filter(notice=notice).first()
    reader = Client()
    reader.force_login(nw.resident_user)
    assert reader.get(f"/media/{attachment.file}").status_code == 200
    outsider = Client()
    outsider.force_login(nw.resident2_user)
    assert outsider.get(f"/media/{attachment.file}").status_code == 404
    # The detail page shows the read statistics and the way to the unread list.
    detail = client.get(f"/notices/{notice.pk}/").content.decode()
    assert 'data-testid="read-stats"' in detail and 'data-testid="unread-link"' in detail


def test_the_service_team_in_the_portal(nw):
    from guanjia.staff.models import StaffMember

    butler = StaffMember.objects.get(user=nw.butler)
    services.card_save(
        actor=nw.butler,
        staff=butler,
        data={"title": "楼栋管家", "phone": "13800000001", "hours": "每天 8:30-18:00"},
    )
    desk = StaffMember.objects.get(user=nw.desk)
    services.card_save(
        actor=nw.manager, staff=desk, data={"title": "客服前台", "phone": "0755-1234", "hours": "24小时"}
    )
    # A butler may not write another person's card.
    from guanjia.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.card_save(actor=nw.butler, staff=desk, data={"title": "x", "phone": "1", "hours": "1"})
    client = Client()
    client.force_login(nw.resident_user)
    html = client.get("/portal/team/").content.decode()
    mine = html.split('data-testid="my-butlers"')[1].split('data-testid="service-team"')[0]
    assert "1栋管家" in mine and "tel:13800000001" in mine
    assert "客服前台" in html.split('data-testid="service-team"')[1]
    # In 2栋 the 1栋 butler is part of the team, not "my butler"; another company's residents see none.
    other = Client()
    other.force_login(nw.resident2_user)
    assert 'data-testid="my-butlers"' not in other.get("/portal/team/").content.decode()
    Api(nw.manager).put if hasattr(Api, "put") else None
    assert True
    response = Api(nw.foreign_admin).get("service-cards")
    assert response.status_code == 200 and response.json() == []


def test_the_console_list_and_calendar_pages(nw):
    published(nw.manager, title="本周消杀", project_id=nw.project.pk)
    client = Client()
    client.force_login(nw.desk)
    assert "本周消杀" in client.get("/notices/").content.decode()
    assert (
        "本周消杀"
        in client.get("/notices/", {"kind": "tip"}, headers={"HX-Request": "true"}).content.decode()
    )
    assert "本周消杀" in client.get("/notices/calendar/").content.decode()
    assert client.get("/notices/calendar/", {"month": "bad"}).status_code == 200
    assert client.get("/notices/calendar/", {"project": nw.foreign_project.pk}).status_code == 404
