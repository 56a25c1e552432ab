import random

from guanjia.estates.models import Occupancy
from guanjia.estates.selectors import occupancy_allows
from guanjia.households.choices import ClaimStatus
from guanjia.households.escalation import escalate_claims
from guanjia.households.models import UnitClaim
from guanjia.households.seeding import seed_demo_households


def test_demo_claims_and_household_once(hw):
    made = seed_demo_households(hw.company, rng=random.Random(1))
    assert made == {"claims": 1, "household_members": 2}  # one vacant unit in the world
    claim = UnitClaim.objects.get()
    assert claim.status == ClaimStatus.PENDING and claim.photos.count() == 1
    assert escalate_claims() == 2  # three days overdue: the butler, then the manager
    members = Occupancy.objects.filter(unit=hw.unit, invited_by=hw.resident)
    assert {o.relation for o in members} == {"family", "tenant"}
    family = members.get(relation="family")
    assert occupancy_allows(family.resident_id, hw.unit, "report")
    assert not occupancy_allows(family.resident_id, hw.unit, "pay")
    assert seed_demo_households(hw.company, rng=random.Random(1)) == {"claims": 0, "household_members": 0}
