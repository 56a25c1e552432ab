"""Demo data of the stores: the catalogue (washers, angle valves, LED tubes, breakers, cleaning
agent, a pipe wrench), the central store and a store per project, opening stock received through
the services, minimum levels, a supplier in the company register, and the closing-note story: a
technician takes the last-but-one angle valves for a repair request, the store drops below its
minimum and a purchase request waits for the project manager. Nothing is notified while seeding.
Idempotent: a company that already has stores is left alone."""

from __future__ import annotations

import random
from unittest import mock

from django.contrib.auth import get_user_model

from guanjia.contractors.choices import ContractorCategory
from guanjia.contractors.models import Contractor
from guanjia.core.context import Source, change_context
from guanjia.estates.models import Project
from guanjia.stores import services
from guanjia.stores.models import Store
from guanjia.tickets.choices import OPEN_STATUSES
from guanjia.tickets.models import Ticket

# code, name, kind, unit, spec, opening quantity, unit cost, minimum level
CATALOGUE = [
    ("SJ-001", "水龙头垫片", "consumable", "个", "DN15 橡胶", 50, "0.50", 20),
    ("SJ-002", "角阀", "spare_part", "个", "DN15 铜", 6, "18.00", 5),
    ("DQ-001", "LED 灯管", "spare_part", "支", "T8 1.2 米 18W", 40, "12.50", 10),
    ("DQ-002", "空气开关", "spare_part", "个", "DZ47 2P 32A", 12, "35.00", 4),
    ("BJ-001", "多功能清洁剂", "consumable", "瓶", "5L", 20, "28.00", 6),
    ("GJ-001", "管钳", "tool", "把", "14 寸", 3, "65.00", 1),
]


def seed_demo_stores(company, *, rng: random.Random) -> dict[str, int]:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(company=company, username__in=["admin", "head", "tech"])
    }
    garden = Project.objects.filter(company=company, code="JY").first()
    tower = Project.objects.filter(company=company, code="JD").first()
    if len(users) < 3 or garden is None or Store.objects.filter(company=company).exists():
        return {"stores": 0, "stock_movements": 0}
    with (
        mock.patch("guanjia.notifications.services.notify", lambda **kw: []),
        change_context(source=Source.COMMAND),
    ):
        return _seed(company, users, garden, tower)


def _seed(company, users, garden, tower) -> dict[str, int]:
    admin, head, tech = users["admin"], users["head"], users["tech"]
    Contractor.objects.get_or_create(
        company=company,
        name="杭州恒通五金机电供应有限公司",
        defaults={
            "category": ContractorCategory.MATERIALS,
            "supplies_goods": True,
            "provides_services": False,
            "contact_name": "钱经理",
            "phone": "0571-86001234",
        },
    )
    central = services.store_create(actor=admin, data={"name": "总部总仓"})
    stores = [services.store_create(actor=head, data={"project_id": garden.pk, "name": "金苑花园工程仓"})]
    if tower is not None:
        stores.append(
            services.store_create(actor=admin, data={"project_id": tower.pk, "name": "金苑大厦工程仓"})
        )
    moves = 0
    items = {}
    for code, name, kind, unit, spec, quantity, cost, minimum in CATALOGUE:
        item = services.item_create(
            actor=admin, data={"code": code, "name": name, "kind": kind, "unit": unit, "spec": spec}
        )
        items[code] = item
        for store in [central, *stores]:
            services.movement_receive(
                actor=admin,
                data={
                    "store_id": store.pk,
                    "item_id": item.pk,
                    "quantity": quantity,
                    "unit_cost": cost,
                    "note": "期初库存",
                },
            )
            moves += 1
            if store.project_id:
                services.stock_set_levels(
                    actor=admin, data={"store_id": store.pk, "item_id": item.pk, "min_level": minimum}
                )
    ticket = (
        Ticket.objects.filter(company=company, project=garden, status__in=OPEN_STATUSES, assignee__user=tech)
        .order_by("-received_at")
        .first()
    )
    if ticket is not None:
        # The closing note's story: two angle valves for a leak; the store falls below 5 and asks.
        services.movement_issue(
            actor=tech,
            data={
                "store_id": stores[0].pk,
                "item_id": items["SJ-002"].pk,
                "quantity": 2,
                "ticket_id": ticket.pk,
            },
        )
        services.movement_issue(
            actor=tech,
            data={
                "store_id": stores[0].pk,
                "item_id": items["SJ-001"].pk,
                "quantity": 4,
                "ticket_id": ticket.pk,
            },
        )
        moves += 2
    services.movement_transfer(
        actor=admin,
        data={
            "store_id": central.pk,
            "to_store_id": stores[0].pk,
            "item_id": items["DQ-001"].pk,
            "quantity": 10,
        },
    )
    return {"stores": 1 + len(stores), "stock_movements": moves + 2}
