import random

import pytest

from guanjia.committee.models import Ballot, CommitteeMember, Suggestion, Vote
from guanjia.committee.seeding import seed_demo_committee

pytestmark = pytest.mark.django_db


def test_demo_data_once(cw):
    counts = seed_demo_committee(cw.company, rng=random.Random(2026))
    assert counts["votes"] == 3 and counts["committee_members"] >= 1
    assert Vote.objects.filter(status="closed", result__isnull=False).count() == 2
    open_vote = Vote.objects.get(status="open")
    assert open_vote.electors.filter(voters__resident=cw.resident).exists()
    assert Ballot.objects.filter(channel="paper", recorded_by=cw.desk).count() == counts["ballots"]
    assert Suggestion.objects.filter(status="answered", answer_public=True).count() == 1
    again = seed_demo_committee(cw.company, rng=random.Random(2026))
    assert again["votes"] == 0 and CommitteeMember.objects.count() == counts["committee_members"]
