import datetime
import random

import pytest
from django.utils import timezone

from guanjia.notices import selectors, services
from guanjia.notices.models import Notice
from guanjia.notices.seeding import seed_demo_notices

pytestmark = pytest.mark.django_db


def test_demo_notices_appear_on_schedule_once(nw):
    made = seed_demo_notices(nw.company, rng=random.Random(1))
    assert made["notices"] > 0 and made["service_cards"] >= 3
    # The regular publication: a tip every Monday of the last eight weeks, in each project's calendar.
    today = timezone.localdate()
    mondays = {today - datetime.timedelta(days=today.weekday() + 7 * w) for w in range(1, 9)}
    tips = Notice.objects.filter(project=nw.project, kind="tip", status="published")
    assert {timezone.localdate(n.published_at) for n in tips} == mondays
    cal = selectors.publication_calendar(nw.admin, nw.project, min(mondays).strftime("%Y-%m"))
    assert cal["count"] >= 1
    # Today's outage has an unread list; tomorrow's power cut waits for the job.
    outage = Notice.objects.get(project=nw.project, kind="outage_water")
    assert selectors.read_stats(outage)["total"] >= 1
    scheduled = Notice.objects.get(project=nw.project, status="scheduled")
    assert services.publish_due(now=scheduled.publish_at + datetime.timedelta(minutes=1)) >= 1
    assert seed_demo_notices(nw.company, rng=random.Random(1)) == {
        "notices": 0,
        "notice_reads": 0,
        "service_cards": 0,
    }
