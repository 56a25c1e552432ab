"""Demo data of events, per project: a 便民 service day open for sign-up this weekend, already full with
a waiting list (the portal's demo); last month's garden party held, attended, rated and summed up
with its cost (the figures); a draft for next month. Households sign up through the services."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from guanjia.core.roles import Role
from guanjia.estates.models import Occupancy, Project
from guanjia.events import services
from guanjia.events.models import Event, EventRating, EventSignup
from guanjia.notices.models import Notice
from guanjia.staff.models import StaffMember

EMPTY = {"events": 0, "event_signups": 0}


def _manager(company, project):
    staff = StaffMember.objects.filter(company=company, deleted_at__isnull=True, projects=project)
    return staff.with_role(Role.PROJECT_MANAGER).select_related("user").order_by("id").first()


def _households(project, n):
    """Up to ``n`` households of the project with a resident who has a login, one resident each."""
    seen, found = set(), []
    ties = (
        Occupancy.objects.current()
        .filter(project=project, resident__user__isnull=False, unit__deleted_at__isnull=True)
        .select_related("resident__user")
        .order_by("unit_id", "id")
    )
    for tie in ties.iterator():
        if tie.unit_id not in seen:
            seen.add(tie.unit_id)
            found.append(tie)
            if len(found) == n:
                break
    return found


def _next_service_day(now, today):
    """Saturday 09:00 of this weekend — or of the next, once this one's sign-up (closing 12 hours
    before) has closed or closes within the hour: seeded on a Friday evening, it must still be open."""
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    start = timezone.make_aware(datetime.datetime.combine(saturday, datetime.time(9, 0)))
    if start - datetime.timedelta(hours=12) <= now + datetime.timedelta(hours=1):
        start += datetime.timedelta(days=7)
    return start


def seed_demo_events(company, *, rng: random.Random) -> dict[str, int]:
    """Once per company: does nothing when the company has events."""
    if Event.objects.filter(company=company).exists():
        return dict(EMPTY)
    now = timezone.now()
    today = timezone.localdate()
    events, signups = 0, 0
    for project in Project.objects.filter(company=company).order_by("id"):
        manager = _manager(company, project)
        if manager is None:
            continue
        actor = manager.user
        households = _households(project, 14)
        # This weekend's service day: open, full, a waiting list.
        start = _next_service_day(now, today)
        day = services.event_create(
            actor=actor,
            data={
                "title": "周末便民服务日",
                "kind": "service_day",
                "services": ["knife", "appliance", "recycling", "haircut"],
                "description": "磨刀、小家电维修、旧物回收、义剪。请带好需要维修的物品。",
                "place": "中心广场",
                "starts_at": start,
                "ends_at": start + datetime.timedelta(hours=3),
                "capacity": 20,
                "max_per_household": 2,
                "signup_opens_at": now - datetime.timedelta(days=2),
                "signup_closes_at": start - datetime.timedelta(hours=12),
                "budget": Decimal("1500.00"),
                "project_id": project.pk,
            },
        )
        services.event_publish(actor=actor, event=day)
        events += 1
        for tie in households:
            services.signup_create(
                actor=tie.resident.user, event=day, people=rng.choice([1, 2, 2]), waitlist=True
            )
            signups += 1
        # Last month's garden party: held, attended, rated, summed up (published in the past).
        past = now - datetime.timedelta(days=30)
        party = services.event_create(
            actor=actor,
            data={
                "title": "邻里游园会",
                "kind": "community",
                "description": "猜灯谜、亲子游戏、邻里美食分享。",
                "place": "中心花园",
                "starts_at": now + datetime.timedelta(days=1),
                "ends_at": now + datetime.timedelta(days=1, hours=3),
                "capacity": 40,
                "max_per_household": 3,
                "signup_opens_at": now - datetime.timedelta(days=1),
                "signup_closes_at": now + datetime.timedelta(hours=12),
                "budget": Decimal("3000.00"),
                "project_id": project.pk,
            },
        )
        services.event_publish(actor=actor, event=party)
        events += 1
        came = []
        for tie in households[:10]:
            signup = services.signup_create(
                actor=tie.resident.user, event=party, people=rng.choice([1, 2, 3])
            )
            signups += 1
            if rng.random() < 0.8:
                came.append((signup, tie))
        # Move it into the past: it took place a month ago.
        shift = (party.starts_at - past).total_seconds()
        delta = datetime.timedelta(seconds=shift)
        Event.objects.filter(pk=party.pk).update(
            starts_at=party.starts_at - delta,
            ends_at=party.ends_at - delta,
            signup_opens_at=party.signup_opens_at - delta,
            signup_closes_at=party.signup_closes_at - delta,
            published_at=now - delta - datetime.timedelta(days=1),
            status="held",
            held_at=party.ends_at - delta,
        )
        Notice.objects.filter(pk__in=party.places.values("notice_id")).update(
            published_at=now - delta - datetime.timedelta(days=1), expires_at=party.ends_at - delta
        )
        for signup, tie in came:
            EventSignup.objects.filter(pk=signup.pk).update(
                checked_in_at=party.starts_at - delta + datetime.timedelta(minutes=rng.randint(0, 40)),
                checked_in_by=actor,
            )
            EventRating.objects.create(
                company=company,
                project=project,
                event=party,
                unit_id=tie.unit_id,
                resident=tie.resident,
                stars=rng.choice([4, 5, 5, 3]),
                comment=rng.choice(["孩子玩得很开心", "希望多办", "组织得很好", ""]),
            )
        party.refresh_from_db()
        services.event_evaluate(
            actor=actor,
            event=party,
            summary="到场踊跃，亲子游戏最受欢迎；下次增加名额并提前准备遮阳棚。",
            actual_cost=Decimal("2680.00"),
        )
        # Next month's draft.
        later = now + datetime.timedelta(days=35)
        services.event_create(
            actor=actor,
            data={
                "title": "社区健康讲座（草稿）",
                "kind": "culture",
                "place": "会所多功能厅",
                "starts_at": later,
                "ends_at": later + datetime.timedelta(hours=2),
                "capacity": 60,
                "max_per_household": 2,
                "signup_opens_at": now + datetime.timedelta(days=20),
                "signup_closes_at": later - datetime.timedelta(days=1),
                "budget": Decimal("800.00"),
                "project_id": project.pk,
            },
        )
        events += 1
    return {"events": events, "event_signups": signups}
