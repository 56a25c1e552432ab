"""业主认证: a stranger's claim, the butler's decision, the deadline's escalation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.models import ObjectChange
from guanjia.estates.models import Occupancy, Resident, Unit
from guanjia.households import escalation, services
from guanjia.households.choices import ClaimStatus, ClaimStep
from guanjia.households.models import ClaimEscalation, UnitClaim
from guanjia.households.tests.conftest import claim_data, png
from guanjia.notifications.models import Notification
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f

PHONE = "13812345678"


def submit(hw, phone=PHONE, **extra):
    return services.claim_submit(phone=phone, data=claim_data(hw, **extra), photos=[png()])


def test_claim_waits_for_the_building_butler_with_a_stored_deadline(hw):
    before = timezone.now()
    claim = submit(hw)
    assert claim.status == ClaimStatus.PENDING
    assert claim.company_id == hw.company.pk and claim.project_id == hw.project.pk
    assert (
        before + datetime.timedelta(hours=47) < claim.due_at <= timezone.now() + datetime.timedelta(hours=48)
    )
    assert list(claim.assignees.all()) == [hw.butler_member]
    assert claim.photos.count() == 1
    assert Notification.objects.filter(recipient=hw.butler, kind="households.claim").exists()
    # Nothing given yet: no resident, no occupancy for the phone.
    assert not Resident.objects.filter(phone=PHONE).exists()


def test_a_building_without_butler_goes_to_the_project_desk(hw):
    hw.butler_member.butler_buildings.clear()
    claim = submit(hw)
    assert list(claim.assignees.all()) == [hw.desk_member]


def test_approval_makes_the_person_a_resident_with_an_account_who_sees_the_unit(hw):
    claim = submit(hw)
    services.claim_approve(actor=hw.butler, claim=claim)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.decided_by == hw.butler
    resident = Resident.objects.get(company=hw.company, phone=PHONE)
    assert resident.user is not None and resident.user.company_id == hw.company.pk
    assert not resident.user.has_usable_password()
    occupancy = Occupancy.objects.get(resident=resident, unit=hw.free_unit)
    assert occupancy.relation == "owner" and occupancy.may_pay and occupancy.may_vote
    assert list(Unit.objects.visible_to(resident.user)) == [hw.free_unit]
    assert Notification.objects.filter(recipient=resident.user, kind="residents.invitation").exists()
    assert ObjectChange.objects.filter(object_id=str(claim.pk), action="update").exists()
    hw.free_unit.refresh_from_db()
    assert hw.free_unit.status == "occupied"


def test_approval_reuses_the_company_resident_with_that_phone(hw):
    claim = submit(hw, phone=hw.resident.phone)
    services.claim_approve(actor=hw.butler, claim=claim)
    assert Resident.objects.filter(phone=hw.resident.phone).count() == 1
    assert set(Unit.objects.visible_to(hw.resident_user)) == {hw.unit, hw.free_unit}


def test_an_owned_unit_is_never_taken_without_the_butler(hw):
    claim = submit(hw, unit=hw.unit)  # 1201 belongs to hw.resident
    assert claim.status == ClaimStatus.PENDING
    assert list(Occupancy.objects.filter(unit=hw.unit).current()) == [
        Occupancy.objects.get(resident=hw.resident)
    ]
    services.claim_reject(actor=hw.butler, claim=claim, reason="房产证姓名不符")
    assert Occupancy.objects.filter(unit=hw.unit).current().count() == 1


def test_rejection_needs_a_reason_and_keeps_it(hw):
    claim = submit(hw)
    with pytest.raises(ValidationError) as error:
        services.claim_reject(actor=hw.butler, claim=claim, reason="  ")
    assert "reason" in error.value.message_dict
    services.claim_reject(actor=hw.butler, claim=claim, reason="照片看不清，请重新上传房产证")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.reject_reason == "照片看不清，请重新上传房产证"
    with pytest.raises(Conflict):
        services.claim_approve(actor=hw.butler, claim=claim)
    assert not Resident.objects.filter(phone=PHONE).exists()


def test_duplicate_pending_claim_is_refused_and_a_new_one_after_rejection_is_not(hw):
    first = submit(hw)
    with pytest.raises(Conflict):
        submit(hw)
    services.claim_reject(actor=hw.butler, claim=first, reason="材料不全")
    assert submit(hw).status == ClaimStatus.PENDING


@pytest.mark.parametrize(
    "change, field",
    [
        ({"unit_id": 999999}, "unit_id"),
        ({"building_id": 999999}, "building_id"),
        ({"project_id": 999999}, "project_id"),
        ({"name": ""}, "name"),
        ({"relation": "landlord"}, "relation"),
    ],
)
def test_a_claim_naming_nothing_real_is_a_field_error(hw, change, field):
    with pytest.raises(ValidationError) as error:
        services.claim_submit(phone=PHONE, data=claim_data(hw) | change, photos=[png()])
    assert field in error.value.message_dict
    assert not UnitClaim.objects.exists()


def test_another_companys_unit_cannot_be_claimed_through_this_project(hw):
    data = claim_data(hw) | {"unit_id": hw.foreign_unit.pk}
    with pytest.raises(ValidationError) as error:
        services.claim_submit(phone=PHONE, data=data, photos=[png()])
    assert "unit_id" in error.value.message_dict
    # A join link of one company does not reach another company's project either.
    data = claim_data(hw, unit=hw.foreign_unit) | {"company_id": hw.company.pk}
    with pytest.raises(ValidationError) as error:
        services.claim_submit(phone=PHONE, data=data, photos=[png()])
    assert "project_id" in error.value.message_dict
    assert not UnitClaim.objects.exists()


def test_proof_photo_is_required_and_checked(hw):
    with pytest.raises(ValidationError) as error:
        services.claim_submit(phone=PHONE, data=claim_data(hw), photos=[])
    assert "photos" in error.value.message_dict
    from django.core.files.uploadedfile import SimpleUploadedFile

    junk = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ValidationError) as error:
        services.claim_submit(phone=PHONE, data=claim_data(hw), photos=[junk])
    assert "photos" in error.value.message_dict
    assert not UnitClaim.objects.exists()


def test_bad_phone_is_a_field_error(hw):
    with pytest.raises(ValidationError) as error:
        services.claim_submit(phone="12345", data=claim_data(hw), photos=[png()])
    assert "phone" in error.value.message_dict


def test_staff_of_another_project_or_company_cannot_decide(hw):
    claim = submit(hw)
    for outsider in (hw.sibling_desk, hw.foreign_admin):
        assert not UnitClaim.objects.visible_to(outsider).exists()
        with pytest.raises(ValidationError):
            services.claim_approve(actor=outsider, claim=claim)
    with pytest.raises(NotAllowed):
        services.claim_approve(actor=hw.technician, claim=claim)  # may not change residents
    assert not UnitClaim.objects.visible_to(hw.resident_user).exists()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_escalation_tells_the_butler_then_the_manager_once_each(hw):
    claim = submit(hw)
    assert escalation.escalate_claims(now=claim.due_at - datetime.timedelta(minutes=1)) == 0
    at_deadline = claim.due_at + datetime.timedelta(minutes=1)
    assert escalation.escalate_claims(now=at_deadline) == 1
    assert escalation.escalate_claims(now=at_deadline) == 0  # twice: nothing again
    assert Notification.objects.filter(kind="households.claim_overdue", recipient=hw.butler).count() == 1
    assert not Notification.objects.filter(kind="households.claim_overdue", recipient=hw.manager).exists()
    a_day_later = claim.due_at + datetime.timedelta(days=1, minutes=1)
    assert escalation.escalate_claims(now=a_day_later) == 1
    assert escalation.escalate_claims(now=a_day_later) == 0
    assert Notification.objects.filter(kind="households.claim_overdue", recipient=hw.manager).count() == 1
    assert list(ClaimEscalation.objects.filter(claim=claim).values_list("step", flat=True)) == [
        ClaimStep.BUTLER,
        ClaimStep.MANAGER,
    ]


def test_a_job_run_late_takes_both_steps_once_and_decided_claims_none(hw):
    late = submit(hw)
    decided = submit(hw, unit=f.UnitFactory(building=hw.building, number="1204"))
    services.claim_approve(actor=hw.butler, claim=decided)
    much_later = late.due_at + datetime.timedelta(days=3)
    assert escalation.escalate_claims(now=much_later) == 2
    assert escalation.escalate_claims(now=much_later) == 0
    assert not ClaimEscalation.objects.filter(claim=decided).exists()


def test_the_manager_step_reaches_only_managers_of_the_claims_project(hw):
    other_manager = f.make_staff(
        company=hw.company, roles=["project_manager"], projects=[hw.sibling_project], name="大厦经理"
    )
    claim = submit(hw)
    escalation.escalate_claims(now=claim.due_at + datetime.timedelta(days=2))
    assert not Notification.objects.filter(recipient=other_manager.user).exists()
    assert (
        StaffMember.objects.get(user=hw.manager).user_id
        in ClaimEscalation.objects.get(claim=claim, step=ClaimStep.MANAGER).notified
    )
