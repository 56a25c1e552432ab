import datetime
import random
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

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


# Friday 21:30 in Shanghai: this Saturday's sign-up closed at 21:00 (the demo once failed to seed
# then). Around it: Friday morning, Saturday, Sunday night.
@pytest.mark.parametrize(
    "local",
    ["2026-12-04 21:30", "2026-12-04 20:30", "2026-12-04 08:00", "2026-12-05 10:00", "2026-12-06 23:59"],
)
def test_demo_service_day_is_open_for_sign_up_whenever_the_demo_is_seeded(ew, local):
    moment = timezone.make_aware(datetime.datetime.strptime(local, "%Y-%m-%d %H:%M"))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        seed_demo_events(ew.company, rng=random.Random(1))
    day = Event.objects.get(project=ew.project, kind="service_day")
    assert day.status == "published"
    assert day.signup_closes_at > moment and timezone.localtime(day.starts_at).weekday() == 5
    assert day.starts_at - moment <= datetime.timedelta(days=8)
