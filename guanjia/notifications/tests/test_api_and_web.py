"""The bell, the list page and the API: my notifications only, unread counts, mark read."""

import pytest
from django.test import Client

from guanjia.notifications import services
from guanjia.notifications.models import Notification
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def note(user, subject="工单已派给您", url="/units/", **kwargs):
    (n,) = services.notify(
        recipients=[user], subject=subject, body="请处理", url=url, channels=["in_app"], **kwargs
    )
    return n


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# API -------------------------------------------------------------------------------------------


def test_api_lists_only_my_notifications_newest_first(world):
    first, second = note(world.desk, "第一条"), note(world.desk, "第二条")
    note(world.technician, "别人的")
    body = Api(world.desk).get("notifications").json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [second.pk, first.pk]
    assert body["items"][0]["subject"] == "第二条" and body["items"][0]["is_read"] is False


def test_api_unread_filter_count_and_read(world):
    first, second = note(world.desk), note(world.desk)
    api = Api(world.desk)
    assert api.get("notifications/unread-count").json() == {"count": 2}
    response = api.post(f"notifications/{first.pk}/read")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert api.get("notifications/unread-count").json() == {"count": 1}
    assert [i["id"] for i in api.get("notifications", unread="true").json()["items"]] == [second.pk]
    assert [i["id"] for i in api.get("notifications", unread="false").json()["items"]] == [first.pk]
    assert api.post("notifications/read-all").json() == {"count": 1}
    assert api.get("notifications/unread-count").json() == {"count": 0}


def test_api_another_users_notification_is_404_and_stays_unread(world):
    theirs = note(world.technician)
    for user in (world.desk, world.admin, world.foreign_admin, world.resident_user):
        response = Api(user).post(f"notifications/{theirs.pk}/read")
        assert response.status_code == 404
    assert Api(world.admin).post("notifications/read-all").json() == {"count": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_needs_a_login(world):
    assert Api().get("notifications").status_code == 401
    assert Api().get("notifications/unread-count").status_code == 401


def test_email_rows_are_not_listed_in_the_api(world):
    world.desk.email = "desk@example.com"
    world.desk.save()
    services.notify(recipients=[world.desk], subject="s", body="b")
    assert Api(world.desk).get("notifications").json()["count"] == 1


# Web -------------------------------------------------------------------------------------------


def test_the_bell_fragment_shows_my_unread_count(world):
    client = web(world.desk)
    assert 'data-testid="unread-count"' not in client.get("/notifications/badge/").content.decode()
    note(world.desk)
    note(world.desk)
    note(world.technician)
    html = client.get("/notifications/badge/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="unread-count">2<' in html


def test_the_bell_is_in_the_navbar_and_polls(world):
    html = web(world.desk).get("/").content.decode()
    assert 'hx-get="/notifications/badge/"' in html and 'hx-trigger="load, every 60s"' in html


def test_the_badge_signed_out_is_empty(world):
    assert Client().get("/notifications/badge/").status_code == 204


def test_the_list_shows_unread_first_and_clicking_marks_read_and_follows_the_link(world):
    old_unread = note(world.desk, "未读的旧通知", url="/buildings/")
    read = note(world.desk, "已读的新通知")
    services.mark_read(actor=world.desk, notification=read)
    note(world.technician, "别人的通知")
    client = web(world.desk)
    html = client.get("/notifications/").content.decode()
    assert "别人的通知" not in html
    assert html.index("未读的旧通知") < html.index("已读的新通知")
    response = client.post(f"/notifications/{old_unread.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/buildings/"
    old_unread.refresh_from_db()
    assert old_unread.read_at is not None


def test_opening_another_users_notification_is_404(world):
    theirs = note(world.technician)
    assert web(world.desk).post(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_button(world):
    note(world.desk)
    note(world.desk)
    theirs = note(world.technician)
    client = web(world.desk)
    assert "全部标为已读" in client.get("/notifications/").content.decode()
    response = client.post("/notifications/read-all/", follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert services.unread_count(world.desk) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_residents_have_the_bell_and_the_list(world):
    note(world.resident_user, "您的报修已受理")
    client = web(world.resident_user)
    assert "您的报修已受理" in client.get("/notifications/").content.decode()
    assert 'data-testid="unread-count">1<' in client.get("/notifications/badge/").content.decode()
