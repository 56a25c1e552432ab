"""The API of claims, household members and move-out: the same services, 404/422/409 as everywhere."""

import datetime

from django.utils import timezone

from guanjia.estates.models import Occupancy, Resident, Unit
from guanjia.households import services
from guanjia.households.models import UnitClaim
from guanjia.households.tests.conftest import claim_data, png, verified_client
from guanjia.testing.api import Api, snapshot

PHONE = "13812345678"


def submit(hw, **extra):
    return services.claim_submit(phone=PHONE, data=claim_data(hw, **extra), photos=[png()])


def test_butler_lists_reads_and_approves_a_claim(hw):
    claim = submit(hw)
    api = Api(hw.butler)
    listed = api.get("households/claims", status="pending")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [claim.pk]
    body = api.get(f"households/claims/{claim.pk}").json()
    assert body["phone"] != PHONE and body["phone"].endswith("5678")  # masked
    assert len(body["photos"]) == 1
    approved = api.post(f"households/claims/{claim.pk}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["resident_id"]
    assert api.post(f"households/claims/{claim.pk}/approve").status_code == 409
    user = Resident.objects.get(phone=PHONE).user
    assert list(Unit.objects.visible_to(user)) == [hw.free_unit]


def test_reject_needs_a_reason_and_outsiders_get_404(hw):
    claim = submit(hw)
    before = snapshot(claim)
    for outsider in (hw.sibling_desk, hw.foreign_admin):
        assert Api(outsider).get(f"households/claims/{claim.pk}").status_code == 404
        assert Api(outsider).post(f"households/claims/{claim.pk}/reject", {"reason": "x"}).status_code == 404
    assert Api(hw.resident_user).get("households/claims").status_code == 403
    assert Api().get("households/claims").status_code == 401
    missing = Api(hw.butler).post(f"households/claims/{claim.pk}/reject", {"reason": ""})
    assert missing.status_code == 422 and "reason" in missing.json()["errors"]
    assert snapshot(claim) == before
    rejected = Api(hw.butler).post(f"households/claims/{claim.pk}/reject", {"reason": "证明材料不清晰"})
    assert rejected.json()["reject_reason"] == "证明材料不清晰"


def test_claimant_submits_with_the_verified_session_and_reads_the_outcome(hw):
    client = verified_client(PHONE)
    data = claim_data(hw) | {"photos": [png()]}
    created = client.post("/api/v1/households/join/claims", data)
    assert created.status_code == 201, created.content
    again = client.post("/api/v1/households/join/claims", claim_data(hw) | {"photos": [png()]})
    assert again.status_code == 409
    foreign = client.post(
        "/api/v1/households/join/claims", claim_data(hw) | {"unit_id": hw.foreign_unit.pk, "photos": [png()]}
    )
    assert foreign.status_code == 422 and "unit_id" in foreign.json()["errors"]
    claim = UnitClaim.objects.get()
    services.claim_reject(actor=hw.butler, claim=claim, reason="房号不符")
    mine = client.get("/api/v1/households/join/claims").json()
    assert [(c["status"], c["reject_reason"]) for c in mine] == [("rejected", "房号不符")]


def test_claim_submission_without_a_fresh_verification_is_refused(hw):
    stale = verified_client(PHONE, minutes_ago=31)
    response = stale.post("/api/v1/households/join/claims", claim_data(hw) | {"photos": [png()]})
    assert response.status_code == 403
    assert not UnitClaim.objects.exists()


def test_owner_invites_lists_and_revokes_members(hw):
    api = Api(hw.resident_user)
    end = timezone.localdate() + datetime.timedelta(days=180)
    invited = api.post(
        "households/members",
        {
            "unit_id": hw.unit.pk,
            "name": "租客小李",
            "phone": "13700003333",
            "relation": "tenant",
            "end_on": end,
        },
    )
    assert invited.status_code == 201, invited.content
    member = invited.json()
    assert member["may_report"] and not member["may_pay"] and member["end_on"] == end.isoformat()
    listed = api.get("households/members").json()
    assert {m["name"] for m in listed} == {hw.resident.name, "租客小李"}
    bad = api.post(
        "households/members", {"unit_id": hw.unit.pk, "name": "x", "phone": "1", "relation": "family"}
    )
    assert bad.status_code == 422 and "phone" in bad.json()["errors"]
    assert Api(hw.other_resident_user).post(f"households/members/{member['id']}/revoke").status_code == 404
    revoked = api.post(f"households/members/{member['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["end_on"] == timezone.localdate().isoformat()
    assert api.post(f"households/members/{member['id']}/revoke").status_code == 409


def test_move_out_through_the_api(hw):
    owner = Occupancy.objects.get(resident=hw.resident, unit=hw.unit)
    assert Api(hw.sibling_desk).post(f"occupancies/{owner.pk}/end", {}).status_code == 404
    assert (
        Api(hw.resident_user).post(f"occupancies/{owner.pk}/end", {}).status_code == 403
    )  # their own: seen, not theirs to end
    ended = Api(hw.desk).post(f"occupancies/{owner.pk}/end", {})
    assert ended.status_code == 200, ended.content
    assert ended.json()["ended_at"] is not None
    assert Api(hw.resident_user).get("units").json()["items"] == []
    assert Api(hw.desk).get(f"occupancies/{owner.pk}").status_code == 200
