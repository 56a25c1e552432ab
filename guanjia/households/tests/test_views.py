"""The pages: the join page for a verified phone, the butler's console, the owner's household."""

from django.test import Client

from guanjia.estates.models import Resident
from guanjia.households import services
from guanjia.households.models import UnitClaim
from guanjia.households.tests.conftest import claim_data, png, verified_client

PHONE = "13812345678"


def test_join_needs_a_fresh_verified_phone(hw):
    assert Client().get("/portal/join/").status_code == 403
    assert verified_client(PHONE, minutes_ago=31).get("/portal/join/").status_code == 403
    page = verified_client(PHONE).get("/portal/join/")
    assert page.status_code == 200 and hw.project.name in page.content.decode()


def test_claim_then_approval_then_the_portal_shows_the_unit(hw):
    client = verified_client(PHONE)
    options = client.get("/portal/join/options/", {"project_id": hw.project.pk}).content.decode()
    assert hw.building.name in options
    options = client.get("/portal/join/options/", {"building_id": hw.building.pk}).content.decode()
    assert hw.free_unit.number in options
    response = client.post("/portal/join/", claim_data(hw) | {"photos": [png()]})
    assert response.status_code == 302
    page = client.get("/portal/join/").content.decode()
    assert "待审核" in page
    # The butler decides in the console.
    butler = Client()
    butler.force_login(hw.butler)
    claim = UnitClaim.objects.get()
    assert f"/households/claims/{claim.pk}/" in butler.get("/households/claims/").content.decode()
    detail = butler.get(f"/households/claims/{claim.pk}/").content.decode()
    assert 'data-testid="claim-photos"' in detail and "<img" in detail
    assert butler.post(f"/households/claims/{claim.pk}/approve/").status_code == 302
    # Next visit: signed in at once, the portal shows the unit.
    response = client.get("/portal/join/")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    bills = client.get("/portal/bills/").content.decode()
    assert f"{hw.building.name}-{hw.free_unit.number}" in bills
    assert Resident.objects.get(phone=PHONE).user_id == int(client.session["_auth_user_id"])


def test_rejected_claim_shows_its_reason_to_the_claimant(hw):
    claim = services.claim_submit(phone=PHONE, data=claim_data(hw), photos=[png()])
    butler = Client()
    butler.force_login(hw.butler)
    assert butler.post(f"/households/claims/{claim.pk}/reject/", {"reason": ""}).status_code == 422
    butler.post(f"/households/claims/{claim.pk}/reject/", {"reason": "房产证姓名与申请人不符"})
    page = verified_client(PHONE).get("/portal/join/").content.decode()
    assert "房产证姓名与申请人不符" in page


def test_join_form_errors_name_the_field(hw):
    client = verified_client(PHONE)
    response = client.post(
        "/portal/join/", claim_data(hw) | {"unit_id": hw.foreign_unit.pk, "photos": [png()]}
    )
    assert response.status_code == 422 and 'data-field="unit_id"' in response.content.decode()
    response = client.post("/portal/join/", claim_data(hw))  # no photo
    assert response.status_code == 422 and 'data-field="photos"' in response.content.decode()
    assert not UnitClaim.objects.exists()


def test_console_claims_are_scoped(hw):
    claim = services.claim_submit(phone=PHONE, data=claim_data(hw), photos=[png()])
    for outsider in (hw.sibling_desk, hw.foreign_admin):
        client = Client()
        client.force_login(outsider)
        assert f"/households/claims/{claim.pk}/" not in client.get("/households/claims/").content.decode()
        assert client.get(f"/households/claims/{claim.pk}/").status_code == 404
        assert client.post(f"/households/claims/{claim.pk}/approve/").status_code == 404
    claim.refresh_from_db()
    assert claim.is_pending


def test_owner_household_page_invites_and_revokes(hw):
    client = Client()
    client.force_login(hw.resident_user)
    page = client.get("/portal/household/")
    assert page.status_code == 200 and 'data-testid="member-form"' in page.content.decode()
    response = client.post(
        "/portal/household/",
        {
            "unit_id": hw.unit.pk,
            "name": "王小明",
            "phone": "13700001111",
            "relation": "family",
            "may_report": "on",
        },
    )
    assert response.status_code == 302
    page = client.get("/portal/household/").content.decode()
    assert "王小明" in page
    member = Resident.objects.get(phone="13700001111").occupancies.get()
    assert member.may_report and not member.may_pay
    assert client.post(f"/portal/household/{member.pk}/revoke/").status_code == 302
    member.refresh_from_db()
    assert not member.is_current
    # A member (not owner) sees no invite form.
    other = Client()
    other.force_login(hw.other_resident_user)
    assert other.post(f"/portal/household/{member.pk}/revoke/").status_code == 404


def test_a_claim_with_two_butlers_is_listed_once_and_first_for_each(hw):
    from guanjia.core.roles import Role
    from guanjia.testing import factories as f

    second = f.make_staff(company=hw.company, roles=[Role.BUTLER], projects=[hw.project], name="二号管家")
    second.butler_buildings.set([hw.building])
    elsewhere = f.UnitFactory(building=f.BuildingFactory(project=hw.project), number="101")
    other = services.claim_submit(phone="13800000009", data=claim_data(hw, unit=elsewhere), photos=[png()])
    claim = services.claim_submit(phone=PHONE, data=claim_data(hw), photos=[png()])
    assert claim.assignees.count() == 2
    client = Client()
    client.force_login(second.user)
    page = client.get("/households/claims/").content.decode()
    assert page.count(f"/households/claims/{claim.pk}/") == 1
    assert page.index(f"/households/claims/{claim.pk}/") < page.index(f"/households/claims/{other.pk}/")
