"""Who sees and who may write which notice: across companies, projects and buildings, on the web,
in the API and in the portal."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from guanjia.core.errors import NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.notices import services
from guanjia.notices.models import Notice
from guanjia.notices.tests.conftest import draft, published
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def portal_titles(user) -> set[str]:
    return {n["title"] for n in Api(user).get("notices", page_size=100).json()["items"]}


def test_residents_see_only_the_published_notices_addressed_to_them(nw):
    published(nw.admin, title="全公司", project_id=None)
    published(nw.manager, title="金苑小区", project_id=nw.project.pk)
    published(nw.manager, title="1栋", project_id=nw.project.pk, building_id=nw.building.pk)
    published(nw.manager, title="2栋", project_id=nw.project.pk, building_id=nw.building2.pk)
    published(nw.admin, title="金苑大厦", project_id=nw.sibling_project.pk)
    published(nw.foreign_admin, title="别家", project_id=nw.foreign_project.pk)
    draft(nw.manager, title="草稿", project_id=nw.project.pk)

    assert portal_titles(nw.resident_user) == {"全公司", "金苑小区", "1栋"}
    assert portal_titles(nw.resident2_user) == {"全公司", "金苑小区", "2栋"}
    page = Client()
    page.force_login(nw.resident_user)
    body = page.get("/portal/notices/").content.decode()
    assert "1栋" in body and "2栋" not in body and "金苑大厦" not in body and "草稿" not in body
    other = Notice.objects.get(title="2栋")
    assert page.get(f"/portal/notices/{other.pk}/").status_code == 404
    assert Api(nw.resident_user).get(f"notices/{other.pk}").status_code == 404


def test_expired_and_withdrawn_notices_leave_the_portal(nw):
    import datetime

    from django.utils import timezone

    gone = published(nw.manager, title="已撤回", project_id=nw.project.pk)
    services.notice_withdraw(actor=nw.manager, notice=gone)
    old = published(nw.manager, title="已过期", project_id=nw.project.pk)
    Notice.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert portal_titles(nw.resident_user) == set()
    # Staff still find both in the console and the calendar.
    assert {n["title"] for n in Api(nw.manager).get("notices").json()["items"]} == {"已撤回", "已过期"}


def test_staff_see_their_projects_and_company_wide_notices_never_another_company(nw):
    mine = published(nw.manager, title="P1", project_id=nw.project.pk)
    company = published(nw.admin, title="全公司", project_id=None)
    titles = {n["title"] for n in Api(nw.sibling_desk).get("notices").json()["items"]}
    assert titles == {"全公司"}
    assert Api(nw.sibling_desk).get(f"notices/{mine.pk}").status_code == 404
    assert Api(nw.foreign_admin).get(f"notices/{mine.pk}").status_code == 404
    assert Api(nw.foreign_admin).get(f"notices/{company.pk}").status_code == 404
    assert Api(nw.foreign_admin).get("notices").json()["items"] == []
    client = Client()
    client.force_login(nw.sibling_desk)
    assert client.get(f"/notices/{mine.pk}/").status_code == 404
    assert client.get(f"/notices/{mine.pk}/unread/").status_code == 404
    refused = client.get("/data/export/notice_unread.xlsx", {"notice": mine.pk})
    # The console's export refuses a bad filter as the other lists do (400, no file).
    assert refused.status_code == 400 and "spreadsheet" not in refused["Content-Type"]
    # Writing to another estate's notice is refused like a missing one, and nothing changes.
    before = ObjectChange.objects.count()
    assert Api(nw.sibling_desk).post(f"notices/{mine.pk}/withdraw").status_code == 404
    assert Api(nw.foreign_admin).post(f"notices/{mine.pk}/pin", {"pinned": True}).status_code == 404
    assert ObjectChange.objects.count() == before
    mine.refresh_from_db()
    assert mine.status == "published" and not mine.pinned


def test_who_may_draft_and_publish(nw):
    # The desk drafts for its project, but publishing is the customer-service head's or the manager's.
    notice = draft(nw.desk, project_id=nw.project.pk)
    with pytest.raises(NotAllowed):
        services.notice_publish(actor=nw.desk, notice=notice)
    services.notice_publish(actor=nw.cs_head, notice=notice)
    assert Notice.objects.get(pk=notice.pk).status == "published"
    # The technician neither drafts nor publishes.
    assert (
        Api(nw.technician)
        .post("notices", {"kind": "tip", "title": "x", "body": "y", "project_id": nw.project.pk})
        .status_code
        == 403
    )
    # Company-wide notices are HQ's: a project's manager is told which field is wrong.
    with pytest.raises(ValidationError) as refused:
        draft(nw.manager, project_id=None)
    assert "project_id" in refused.value.message_dict
    hq = draft(nw.admin, project_id=None)
    with pytest.raises(NotAllowed):
        services.notice_pin(actor=nw.manager, notice=hq, pinned=True)
    # Another estate's project is a field error, not a leak.
    response = Api(nw.manager).post(
        "notices", {"kind": "tip", "title": "x", "body": "y", "project_id": nw.sibling_project.pk}
    )
    assert response.status_code == 422 and "project_id" in response.json()["errors"]
