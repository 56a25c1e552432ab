from decimal import Decimal

import pytest

from guanjia.contractors.models import Contractor
from guanjia.stores import services
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Kind


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.GUANJIA_QUIET_HOURS = []


@pytest.fixture
def sw(world):
    """The scoping world plus stores: P1's store with 3 washers (min 2) bought at 2.00, the
    central store, the sibling project's store, a supplier, and an open repair request of P1."""
    world.washer = services.item_create(
        actor=world.admin, data={"code": "WS-01", "name": "水龙头垫片", "unit": "个", "kind": "consumable"}
    )
    world.valve = services.item_create(
        actor=world.admin, data={"code": "VL-02", "name": "角阀", "unit": "个"}
    )
    world.store = services.store_create(
        actor=world.manager, data={"project_id": world.project.pk, "name": "金苑小区仓库"}
    )
    world.central = services.store_create(actor=world.admin, data={"name": "总仓"})
    world.sibling_store = services.store_create(
        actor=world.admin, data={"project_id": world.sibling_project.pk, "name": "大厦仓库"}
    )
    services.movement_receive(
        actor=world.manager,
        data={"store_id": world.store.pk, "item_id": world.washer.pk, "quantity": "3", "unit_cost": "2.00"},
    )
    services.stock_set_levels(
        actor=world.manager, data={"store_id": world.store.pk, "item_id": world.washer.pk, "min_level": "2"}
    )
    world.supplier = Contractor.objects.create(
        company=world.company, name="杭州五金供应", supplies_goods=True, category="materials"
    )
    world.ticket = ticket_services.ticket_create(
        actor=world.desk,
        data={"unit_id": world.unit.pk, "kind": Kind.HOME_REPAIR, "description": "厨房水龙头漏水"},
    )
    return world


def dec(value) -> Decimal:
    return Decimal(str(value))
