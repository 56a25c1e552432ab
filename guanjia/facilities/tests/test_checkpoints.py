"""Editing a patrol route's checkpoints: reorder, remove (soft), the expected window — in services,
over the API (with If-Match → 409) and on the web; rounds already generated keep their snapshot."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.facilities import services
from guanjia.facilities.models import Checkpoint, MissedCheckpoint, PatrolRound
from guanjia.facilities.tests.conftest import at
from guanjia.facilities.tests.test_patrols import DAY, route  # noqa: F401  (fixture)
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def _names(route):  # noqa: F811
    return list(route.checkpoints.filter(is_active=True).order_by("position").values_list("name", flat=True))


def test_move_up_and_down_and_order(fw, route):  # noqa: F811
    p1, p2, p3 = route.checkpoints.order_by("position")
    services.checkpoint_move(actor=fw.manager, checkpoint=p3, direction="up")
    assert _names(route) == ["东门岗", "1栋大堂", "地库入口"]
    services.checkpoint_move(actor=fw.manager, checkpoint=p1, direction="up")  # already first: nothing
    assert _names(route) == ["东门岗", "1栋大堂", "地库入口"]
    services.checkpoint_order(actor=fw.manager, route=route, ids=[p2.pk, p1.pk, p3.pk])
    assert _names(route) == ["地库入口", "东门岗", "1栋大堂"]
    with pytest.raises(ValidationError) as err:
        services.checkpoint_order(actor=fw.manager, route=route, ids=[p1.pk, p2.pk])
    assert "order" in err.value.message_dict
    with pytest.raises(NotAllowed):  # a technician may not change routes
        services.checkpoint_move(actor=fw.technician, checkpoint=p1, direction="down")


def test_remove_is_soft_and_keeps_at_least_one(fw, route):  # noqa: F811
    p1, p2, p3 = route.checkpoints.order_by("position")
    services.checkpoint_remove(actor=fw.manager, checkpoint=p2)
    p2.refresh_from_db()
    assert not p2.is_active and Checkpoint.objects.filter(pk=p2.pk).exists()
    assert _names(route) == ["东门岗", "1栋大堂"]
    services.checkpoint_remove(actor=fw.manager, checkpoint=p1)
    with pytest.raises(Conflict):
        services.checkpoint_remove(actor=fw.manager, checkpoint=p3)


def test_expected_window_is_checked_and_marks_scans(fw, route, frozen):  # noqa: F811
    p1, p2, _p3 = route.checkpoints.order_by("position")
    with pytest.raises(ValidationError) as err:
        services.checkpoint_update(actor=fw.manager, checkpoint=p2, data={"expected_from": 10})
    assert "expected_to" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.checkpoint_update(
            actor=fw.manager, checkpoint=p2, data={"expected_from": 30, "expected_to": 20}
        )
    assert "expected_to" in err.value.message_dict
    with pytest.raises(ValidationError) as err:  # beyond the round's 60 minutes
        services.checkpoint_update(
            actor=fw.manager, checkpoint=p2, data={"expected_from": 0, "expected_to": 90}
        )
    assert "expected_to" in err.value.message_dict
    services.checkpoint_update(actor=fw.manager, checkpoint=p2, data={"expected_from": 10, "expected_to": 20})
    services.generate_rounds(now=at(DAY, 12))
    patrol = PatrolRound.objects.get(route=route, window_start=at(DAY, 22))
    frozen(at(DAY, 22) + datetime.timedelta(minutes=2))
    services.round_scan(actor=fw.guard, patrol=patrol, code=p1.qr_token)
    frozen(at(DAY, 22) + datetime.timedelta(minutes=40))  # inside the round, after the point's window
    scan = services.round_scan(actor=fw.guard, patrol=patrol, code=p2.qr_token)
    assert not scan.in_window and scan.in_order


def test_rounds_already_generated_keep_their_checkpoints(fw, route, frozen):  # noqa: F811
    services.generate_rounds(now=at(DAY, 12))
    patrol = PatrolRound.objects.get(route=route, window_start=at(DAY, 22))
    p1, p2, p3 = route.checkpoints.order_by("position")
    # After the round was generated: 东门岗 removed, 1栋大堂 moved first, a new point appended.
    services.checkpoint_remove(actor=fw.manager, checkpoint=p1)
    services.checkpoint_move(actor=fw.manager, checkpoint=p3, direction="up")
    services.route_update(actor=fw.manager, route=route, data={"checkpoints": [{"name": "新点"}]})
    new = route.checkpoints.get(name="新点")
    # The generated round still has its three points in their old order …
    assert [p["name"] for p in patrol.checkpoint_plan] == ["东门岗", "地库入口", "1栋大堂"]
    frozen(at(DAY, 22) + datetime.timedelta(minutes=1))
    first = services.round_scan(actor=fw.guard, patrol=patrol, code=p1.qr_token)  # removed later: still in
    assert first.in_order
    second = services.round_scan(actor=fw.guard, patrol=patrol, code=p2.qr_token)
    assert second.in_order  # order of the snapshot, not the new one
    with pytest.raises(ValidationError):  # the new point is not in this round
        services.round_scan(actor=fw.guard, patrol=patrol, code=new.qr_token)
    services.close_rounds(now=at(DAY, 23) + datetime.timedelta(minutes=1))
    assert list(MissedCheckpoint.objects.filter(round=patrol).values_list("checkpoint_id", flat=True)) == [
        p3.pk
    ]
    patrol.refresh_from_db()
    assert patrol.checkpoint_count == 3 and patrol.missed_count == 1
    # … and the next round generated takes the route as it is now.
    tuesday = PatrolRound.objects.get(route=route, window_start=at(DAY + datetime.timedelta(days=1), 22))
    assert [p["name"] for p in tuesday.checkpoint_plan] == ["东门岗", "地库入口", "1栋大堂"]  # made already
    services.generate_rounds(now=at(DAY + datetime.timedelta(days=1), 12))
    nxt = PatrolRound.objects.get(route=route, window_start=at(DAY + datetime.timedelta(days=2), 22))
    assert [p["name"] for p in nxt.checkpoint_plan] == ["1栋大堂", "地库入口", "新点"]
    assert nxt.checkpoint_count == 3


def test_checkpoint_api_patch_delete_order_and_stale_if_match(fw, route):  # noqa: F811
    p1, p2, p3 = route.checkpoints.order_by("position")
    api = Api(fw.manager)
    url = f"patrol-routes/{route.pk}/checkpoints/{p2.pk}"
    got = api.get(url)
    assert got.status_code == 200 and got.json()["expected_from"] is None
    tag = got["ETag"]

    def patch(data, tag):
        return api.client.patch(
            f"/api/v1/{url}",
            data=data,
            content_type="application/json",
            headers={**api.headers, "If-Match": tag},
        )

    ok = patch({"expected_from": 5, "expected_to": 25, "name": "地库入口B1"}, tag)
    assert ok.status_code == 200, ok.content
    assert (ok.json()["expected_from"], ok.json()["expected_to"], ok.json()["name"]) == (5, 25, "地库入口B1")
    assert patch({"name": "X"}, tag).status_code == 409  # stale
    bad = patch({"expected_from": 50, "expected_to": 10}, ok["ETag"])
    assert bad.status_code == 422 and "expected_to" in str(bad.json())

    order = api.client.put(
        f"/api/v1/patrol-routes/{route.pk}/checkpoint-order",
        data={"order": [p3.pk, p2.pk, p1.pk]},
        content_type="application/json",
        headers=api.headers,
    )
    assert order.status_code == 200, order.content
    assert [c["id"] for c in order.json()] == [p3.pk, p2.pk, p1.pk]

    stale = api.get(f"patrol-routes/{route.pk}/checkpoints/{p1.pk}")["ETag"]
    services.checkpoint_update(actor=fw.manager, checkpoint=p1, data={"place": "东门外"})
    assert (
        api.client.delete(
            f"/api/v1/patrol-routes/{route.pk}/checkpoints/{p1.pk}",
            headers={**api.headers, "If-Match": stale},
        ).status_code
        == 409
    )
    assert api.delete(f"patrol-routes/{route.pk}/checkpoints/{p1.pk}").status_code == 204
    assert api.get(f"patrol-routes/{route.pk}/checkpoints/{p1.pk}").status_code == 404
    assert [c["id"] for c in api.get(f"patrol-routes/{route.pk}").json()["checkpoints"]] == [p3.pk, p2.pk]
    assert Api(fw.technician).delete(f"patrol-routes/{route.pk}/checkpoints/{p2.pk}").status_code == 403
    assert Api(fw.sibling_desk).get(f"patrol-routes/{route.pk}/checkpoints/{p2.pk}").status_code == 404


def test_route_page_moves_removes_and_edits_without_javascript(fw, route, client):  # noqa: F811
    p1, p2, p3 = route.checkpoints.order_by("position")
    client.force_login(fw.manager)
    page = reverse("facilities:route", args=[route.pk])
    assert client.get(page).status_code == 200
    moved = client.post(reverse("facilities:checkpoint_move", args=[p3.pk]), {"direction": "up"})
    assert moved.status_code == 302 and moved["Location"] == page
    assert _names(route) == ["东门岗", "1栋大堂", "地库入口"]
    ordered = client.post(
        reverse("facilities:checkpoint_order", args=[route.pk]), {"order": f"{p2.pk},{p1.pk},{p3.pk}"}
    )
    assert ordered.status_code == 302
    assert _names(route) == ["地库入口", "东门岗", "1栋大堂"]
    edit = reverse("facilities:checkpoint_edit", args=[p1.pk])
    assert client.get(edit).status_code == 200
    bad = client.post(edit, {"name": "东门岗", "place": "东门", "expected_from": "30", "expected_to": "10"})
    assert bad.status_code == 422 and "最晚不能早于最早" in bad.content.decode()
    good = client.post(edit, {"name": "东门岗", "place": "东门", "expected_from": "0", "expected_to": "15"})
    assert good.status_code == 302
    p1.refresh_from_db()
    assert (p1.expected_from, p1.expected_to) == (0, 15)
    assert client.post(reverse("facilities:checkpoint_remove", args=[p2.pk])).status_code == 302
    assert _names(route) == ["东门岗", "1栋大堂"]
    client.force_login(fw.technician)
    assert client.post(reverse("facilities:checkpoint_remove", args=[p3.pk])).status_code == 403
