"""Visitor passes: a resident invites for their own unit only, the guard scans and checks in and out
once, inside the window; walk-ins; the log and its export; isolation across projects and companies."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from guanjia.core.errors import Conflict
from guanjia.core.models import ObjectChange
from guanjia.estates.models import Unit
from guanjia.gate.models import GateLogEntry, VisitorPass
from guanjia.gate.tests.conftest import invite, window
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def test_a_resident_invites_for_their_own_unit_and_gets_an_unguessable_token(gw):
    api = Api(gw.resident_user)
    answer = api.post(
        "gate/passes", {"unit_id": gw.unit.pk, "visitor_name": "张三", "plate": "粤b·12345", **window()}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "valid" and body["plate"] == "粤B12345"
    assert len(body["token"]) >= 32 and not body["token"].isdigit()
    assert body["share_url"] == f"/v/{body['token']}/"
    assert ObjectChange.objects.filter(
        content_type__model="visitorpass", object_id=str(body["id"]), action="create"
    ).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("other_unit", "unit_id"),
        ("foreign_unit", "unit_id"),
        ("bad_plate", "plate"),
        ("backwards", "valid_until"),
        ("no_name", "visitor_name"),
    ],
)
def test_bad_invitations_are_refused_naming_the_field_and_nothing_is_saved(gw, change, field):
    body = {"unit_id": gw.unit.pk, "visitor_name": "张三", **window()}
    if change == "other_unit":
        body["unit_id"] = gw.other_unit.pk
    elif change == "foreign_unit":
        body["unit_id"] = Unit.objects.filter(project=gw.foreign_project).first().pk
    elif change == "bad_plate":
        body["plate"] = "粤B1234"
    elif change == "backwards":
        body["valid_until"] = (timezone.now() - datetime.timedelta(hours=2)).isoformat()
    elif change == "no_name":
        body["visitor_name"] = ""
    answer = Api(gw.resident_user).post("gate/passes", body)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["errors"]
    assert not VisitorPass.objects.exists()


def test_the_guard_scans_checks_in_and_out_once(gw):
    made = invite(gw)
    guard = Api(gw.guard)
    scanned = guard.get("gate/scan", token=f"https://example.com/gate/?token={made.token}")
    assert scanned.status_code == 200 and scanned.json()["state"] == "valid"
    went_in = guard.post(f"gate/passes/{made.pk}/check-in", {"gate_id": gw.gate.pk})
    assert went_in.status_code == 200 and went_in.json()["state"] == "inside"
    # The second guard, a moment later, is told who let the visitor in; nothing is logged twice.
    again = Api(gw.guard2).post(f"gate/passes/{made.pk}/check-in", {"gate_id": gw.gate.pk})
    assert again.status_code == 409 and "南门入场" in again.json()["detail"]
    out = guard.post(f"gate/passes/{made.pk}/check-out", {"gate_id": gw.gate.pk})
    assert out.status_code == 200 and out.json()["state"] == "used"
    assert guard.post(f"gate/passes/{made.pk}/check-in", {"gate_id": gw.gate.pk}).status_code == 409
    kinds = list(GateLogEntry.objects.order_by("id").values_list("kind", "guard_id"))
    assert kinds == [("visitor_in", gw.guard.pk), ("visitor_out", gw.guard.pk)]
    changes = ObjectChange.objects.filter(
        content_type__model="visitorpass", object_id=str(made.pk), action="update"
    ).count()
    assert changes == 2


def test_a_pass_outside_its_window_is_refused_with_the_reason(gw):
    early = invite(gw, **window(start_minutes=120))
    late = invite(gw, visitor_name="李四")
    VisitorPass.objects.filter(pk=late.pk).update(
        valid_from=timezone.now() - datetime.timedelta(hours=5),
        valid_until=timezone.now() - datetime.timedelta(minutes=1),
    )
    guard = Api(gw.guard)
    refused = guard.post(f"gate/passes/{early.pk}/check-in", {"gate_id": gw.gate.pk})
    assert refused.status_code == 409 and "未到有效时间" in refused.json()["detail"]
    refused = guard.post(f"gate/passes/{late.pk}/check-in", {"gate_id": gw.gate.pk})
    assert refused.status_code == 409 and "过期" in refused.json()["detail"]
    assert not GateLogEntry.objects.exists()


def test_a_revoked_pass_is_refused(gw):
    made = invite(gw)
    assert Api(gw.resident_user).post(f"gate/passes/{made.pk}/revoke").status_code == 200
    refused = Api(gw.guard).post(f"gate/passes/{made.pk}/check-in", {"gate_id": gw.gate.pk})
    assert refused.status_code == 409 and "作废" in refused.json()["detail"]


def test_guards_of_other_projects_and_companies_cannot_find_the_pass(gw):
    made = invite(gw)
    for user in (gw.foreign_guard, gw.sibling_desk, gw.foreign_admin):
        assert Api(user).get("gate/scan", token=made.token).status_code == 404
        assert Api(user).post(f"gate/passes/{made.pk}/check-in", {"gate_id": gw.gate.pk}).status_code == 404
    # Another household sees nothing of it either.
    assert Api(gw.other_resident_user).get(f"gate/passes/{made.pk}").status_code == 404
    assert Api(gw.other_resident_user).get("gate/passes").json()["count"] == 0
    # A gate of another project is no place to check this pass in.
    wrong_gate = Api(gw.admin).post(f"gate/passes/{made.pk}/check-in", {"gate_id": gw.sibling_gate.pk})
    assert wrong_gate.status_code == 422 and "gate_id" in wrong_gate.json()["errors"]
    assert VisitorPass.objects.get(pk=made.pk).checked_in_at is None


def test_checking_in_under_the_row_lock_lets_one_guard_win(gw):
    from guanjia.gate import services

    made = invite(gw)
    services.pass_check_in(actor=gw.guard, visitor_pass=made, gate_id=gw.gate.pk)
    # The second guard's stale copy still says "not checked in": the lock re-reads and refuses.
    stale = VisitorPass.objects.get(pk=made.pk)
    stale.checked_in_at = None
    with pytest.raises(Conflict):
        services.pass_check_in(actor=gw.guard2, visitor_pass=stale, gate_id=gw.gate.pk)
    assert VisitorPass.objects.get(pk=made.pk).checked_in_by_id == gw.guard.pk


def test_walk_in_visitors_are_registered_after_calling_the_household(gw):
    guard = Api(gw.guard)
    body = {
        "gate_id": gw.gate.pk,
        "unit_id": gw.unit.pk,
        "visitor_name": "快递员",
        "confirmed_by": "业主本人",
        "reason": "送大件",
    }
    made = guard.post("gate/walk-ins", body)
    assert made.status_code == 201 and made.json()["state"] == "inside" and made.json()["kind"] == "walk_in"
    missing = guard.post("gate/walk-ins", {**body, "confirmed_by": ""})
    assert missing.status_code == 422 and "confirmed_by" in missing.json()["errors"]
    entry = GateLogEntry.objects.get()
    assert entry.kind == "visitor_in" and "送大件" in entry.note
    # A resident cannot register walk-ins.
    assert Api(gw.resident_user).post("gate/walk-ins", body).status_code == 403


def test_the_log_per_gate_and_day_and_its_export(gw):
    made = invite(gw)
    Api(gw.guard).post(f"gate/passes/{made.pk}/check-in", {"gate_id": gw.gate.pk})
    today = timezone.localdate().isoformat()
    rows = Api(gw.guard).get("gate/log", gate_id=gw.gate.pk, day=today).json()
    assert rows["count"] == 1 and rows["items"][0]["kind"] == "visitor_in"
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert Api(gw.guard).get("gate/log", day=yesterday).json()["count"] == 0
    assert Api(gw.foreign_guard).get("gate/log").json()["count"] == 0
    page = Client()
    page.force_login(gw.guard)
    answer = page.get(f"/data/export/gate_log.xlsx?gate_id={gw.gate.pk}&day={today}")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(answer.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["时间", "项目", "门岗", "事件"] and values[1][4] == "张三" and len(values) == 2
