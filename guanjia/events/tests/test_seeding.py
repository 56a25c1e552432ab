import random
from decimal import Decimal

import pytest

from guanjia.events import selectors
from guanjia.events.models import Event
from guanjia.events.seeding import seed_demo_events

pytestmark = pytest.mark.django_db


def test_demo_events_a_full_service_day_with_a_waiting_list_and_a_summed_up_party_once(ew):
    made = seed_demo_events(ew.company, rng=random.Random(1))
    assert made["events"] == 3 and made["event_signups"] > 0  # P1; P2 has no manager in the world
    day = Event.objects.get(project=ew.project, kind="service_day")
    assert day.status == "published" and day.places.get().notice.status == "published"
    party = selectors.figures(Event.objects.get(project=ew.project, title="邻里游园会"))
    assert party["actual_cost"] == Decimal("2680.00") and party["attended"] > 0
    assert party["ratings"] > 0 and 3 <= party["rating"] <= 5
    assert Event.objects.filter(project=ew.project, status="draft").count() == 1
    assert seed_demo_events(ew.company, rng=random.Random(1)) == {"events": 0, "event_signups": 0}
