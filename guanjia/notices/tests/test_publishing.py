"""Scheduled publishing exactly once, the push of urgent notices to every household once, the
publication calendar."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanjia.core.errors import Conflict
from guanjia.notices import services, tasks
from guanjia.notices.models import Notice
from guanjia.notices.tests.conftest import draft, published, soon
from guanjia.notifications.models import Notification
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def test_a_scheduled_notice_is_published_once_when_its_time_comes(
    nw, monkeypatch, django_capture_on_commit_callbacks
):
    when = soon(30)
    notice = draft(nw.manager, title="周六停水", kind="outage_water", project_id=nw.project.pk)
    services.notice_publish(actor=nw.manager, notice=notice, publish_at=when)
    notice.refresh_from_db()
    assert notice.status == "scheduled" and notice.published_at is None
    assert Api(nw.resident_user).get(f"notices/{notice.pk}").status_code == 404

    assert services.publish_due(now=when - datetime.timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publish_due(now=when + datetime.timedelta(minutes=3)) == 1
    # A second, late run of the job finds it published and does nothing more.
    assert services.publish_due(now=when + datetime.timedelta(minutes=4)) == 0
    monkeypatch.setattr(services, "_now", lambda: when + datetime.timedelta(minutes=5))
    assert tasks.run_publish_due() == 0
    notice.refresh_from_db()
    assert notice.status == "published"
    assert notice.published_at == when + datetime.timedelta(minutes=3)
    # An outage is pushed to every account of every household of the project, once each channel.
    in_app = Notification.objects.filter(dedup_key=f"notice-{notice.pk}", channel="in_app")
    assert set(in_app.values_list("recipient_id", flat=True)) == {
        nw.resident_user.pk,
        nw.other_resident_user.pk,
        nw.family_user.pk,
        nw.resident2_user.pk,
    }
    assert notice.pushed_at is not None


def test_the_push_goes_in_batches_and_a_rerun_tells_nobody_twice(nw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = published(nw.manager, kind="emergency", title="燃气泄漏声明", project_id=nw.project.pk)
    first = Notification.objects.filter(dedup_key=f"notice-{notice.pk}").count()
    assert first >= 4
    # A worker that died before marking the push done runs it again, in batches of one account.
    Notice.objects.filter(pk=notice.pk).update(pushed_at=None)
    assert services.push_notice(notice.pk, batch=1) == 0
    assert Notification.objects.filter(dedup_key=f"notice-{notice.pk}").count() == first
    # Non-urgent kinds wait in the portal: nobody is pushed.
    with django_capture_on_commit_callbacks(execute=True):
        tip = published(nw.manager, kind="tip", project_id=nw.project.pk)
    assert not Notification.objects.filter(dedup_key=f"notice-{tip.pk}").exists()


def test_a_scheduled_notice_whose_time_to_expire_passed_is_not_published(nw):
    when = soon(10)
    notice = draft(nw.manager, project_id=nw.project.pk, expires_at=when + datetime.timedelta(minutes=5))
    services.notice_publish(actor=nw.manager, notice=notice, publish_at=when)
    assert services.publish_due(now=when + datetime.timedelta(hours=1)) == 0
    notice.refresh_from_db()
    assert notice.status == "draft"


def test_states_refuse_illegal_moves(nw):
    notice = published(nw.manager, project_id=nw.project.pk)
    with pytest.raises(Conflict):
        services.notice_publish(actor=nw.manager, notice=notice)
    with pytest.raises(Conflict):
        services.notice_update(actor=nw.manager, notice=notice, data={"title": "改"})
    response = Api(nw.manager).patch(f"notices/{notice.pk}", {"title": "改"})
    assert response.status_code == 409
    with pytest.raises(ValidationError) as refused:
        draft(nw.manager, project_id=nw.project.pk, expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert "expires_at" in refused.value.message_dict


def test_the_calendar_shows_what_was_published_on_which_day(nw):
    notice = published(nw.manager, title="本月收费通知", kind="fee", project_id=nw.project.pk)
    company = published(nw.admin, title="全公司提示", project_id=None)
    published(nw.admin, title="大厦通知", project_id=nw.sibling_project.pk)
    today = timezone.localdate()
    response = Api(nw.manager).get(
        "notices/calendar", project_id=nw.project.pk, month=today.strftime("%Y-%m")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    days = {d["date"]: set(d["notices"]) for d in body["days"]}
    assert days == {today.isoformat(): {notice.pk, company.pk}}
    assert Api(nw.manager).get("notices/calendar", project_id=nw.sibling_project.pk).status_code == 404
    bad = Api(nw.manager).get("notices/calendar", project_id=nw.project.pk, month="2026-13")
    assert bad.status_code == 422 and "month" in bad.json()["errors"]
