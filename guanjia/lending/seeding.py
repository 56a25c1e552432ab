"""Demo data of the lending register, in the first project (金苑): the service centre's shelf
(wheelchairs, umbrellas, a toolbox, ladders, a trolley) and a few loans made through the services —
a wheelchair the demo owner returned three days late (reminded each overdue day), an umbrella of
another household overdue now, a ladder out and due in two days. Demo history is not news: nothing
is notified while seeding. Idempotent: a company that already lends is left alone."""

from __future__ import annotations

import datetime
import random
from contextlib import ExitStack
from unittest import mock

from django.contrib.auth import get_user_model
from django.utils import timezone

from guanjia.core.context import Source, change_context
from guanjia.estates.models import Occupancy, Project
from guanjia.lending import services
from guanjia.lending.choices import ReturnCondition
from guanjia.lending.models import LendingItem

SHELF = [
    ("轮椅", "折叠式，含脚踏", 2, 7),
    ("雨伞", "服务中心爱心伞", 30, 2),
    ("工具箱", "螺丝刀、扳手、钳子、电笔", 3, 2),
    ("人字梯", "1.5 米铝合金", 2, 1),
    ("手推车", "搬运小件家具", 2, 1),
]


def seed_demo_lending(company, *, rng: random.Random) -> dict[str, int]:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            company=company, username__in=["manager", "desk", "resident"]
        )
    }
    project = Project.objects.filter(company=company, staff__user__username="desk").order_by("id").first()
    if len(users) < 3 or project is None or LendingItem.objects.filter(company=company).exists():
        return {"lending_items": 0, "loans": 0}
    now = timezone.now()
    clock = {"now": now}
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(services, "_now", lambda: clock["now"]))
        stack.enter_context(mock.patch("guanjia.notifications.services.notify", lambda **kw: []))
        counts = _seed(project, users, now, clock, rng)
    with change_context(source=Source.JOB):
        services.remind_overdue(now=now)  # today's reminder, as the job would send it
    return counts


def _seed(project, users, now, clock, rng: random.Random) -> dict[str, int]:
    manager, desk = users["manager"], users["desk"]
    items = {
        name: services.item_create(
            actor=manager,
            data={
                "project_id": project.pk,
                "name": name,
                "description": note,
                "quantity": n,
                "loan_days": days,
            },
        )
        for name, note, n, days in SHELF
    }
    own = (
        Occupancy.objects.current()
        .filter(resident__user=users["resident"], unit__project=project)
        .select_related("unit", "resident")
        .first()
    )
    others = list(
        Occupancy.objects.current()
        .filter(unit__project=project)
        .exclude(resident__user=users["resident"])
        .select_related("unit", "resident")
        .order_by("id")[:2]
    )
    loans = 0
    day = datetime.timedelta(days=1)
    if own is not None:
        clock["now"] = now - 12 * day
        loan = services.loan_create(
            actor=desk,
            data={
                "item_id": items["轮椅"].pk,
                "unit_id": own.unit_id,
                "resident_id": own.resident_id,
                "borrower_name": own.resident.name,
                "borrower_phone": own.resident.phone,
                "id_checked": True,
                "id_number": "330106198005121234",
                "quantity": 1,
                "note": "家中老人腿伤",
            },
        )  # due 5 days ago
        for late in range(1, 4):
            services.remind_overdue(now=now - (5 - late) * day)
        clock["now"] = now - 2 * day
        services.loan_return(actor=desk, loan=loan, condition=ReturnCondition.GOOD, note="")
        loans += 1
    for tie, (item, ago) in zip(others, [("雨伞", 4), ("人字梯", 0)], strict=False):
        clock["now"] = now - ago * day
        services.loan_create(
            actor=desk,
            data={
                "item_id": items[item].pk,
                "unit_id": tie.unit_id,
                "resident_id": tie.resident_id,
                "borrower_name": tie.resident.name,
                "borrower_phone": tie.resident.phone,
                "id_checked": item == "人字梯",
                "id_number": "330106197703154321" if item == "人字梯" else "",
                "quantity": 1,
                "due_on": timezone.localdate(clock["now"]) + 2 * day,
            },
        )
        loans += 1
    clock["now"] = now
    return {"lending_items": len(items), "loans": loans}
