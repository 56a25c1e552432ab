import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from guanjia.billing import services
from guanjia.billing.choices import ChargeKind, Meter
from guanjia.testing import factories as f


@pytest.fixture
def bw(world):
    """The scoping world plus fees: management fee 2.50/m², water 4.20/m³ metered, a deposit item,
    all billed by P1 (unit 1201 and 1202 are 89.50 m²: 223.75 a month each)."""
    admin = world.admin
    world.fee = services.charge_item_create(
        actor=admin, data={"name": "物业管理费", "kind": ChargeKind.AREA, "unit_price": Decimal("2.50")}
    )
    world.water = services.charge_item_create(
        actor=admin,
        data={
            "name": "水费",
            "kind": ChargeKind.METERED,
            "meter": Meter.WATER,
            "unit_price": Decimal("4.20"),
        },
    )
    world.deposit = services.charge_item_create(
        actor=admin, data={"name": "装修押金", "kind": ChargeKind.ONE_OFF, "unit_price": Decimal("2000")}
    )
    for item in (world.fee, world.water, world.deposit):
        services.project_charge_create(actor=admin, data={"project_id": world.project.pk, "item_id": item.pk})
    world.cashier2 = f.make_staff(
        company=world.company, roles=["desk"], projects=[world.project], name="收费员二"
    ).user
    world.manager2 = f.make_staff(
        company=world.company, roles=["project_manager"], projects=[world.project], name="副经理"
    ).user
    return world


def generate(w, period="2026-09", due_on=datetime.date(2026, 9, 30)):
    return services.bills_generate(actor=w.manager, project=w.project, period=period, due_on=due_on)


def pay(w, unit, amount, key, actor=None, **extra):
    return services.payment_post(
        actor=actor or w.desk,
        data={
            "unit_id": unit.pk,
            "amount": Decimal(amount),
            "method": "cash",
            "idempotency_key": key,
            **extra,
        },
    )


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A moment of a Shanghai day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def clock(monkeypatch):
    """The fee services' present, set by the test: ``clock(datetime.date(2026, 1, 5))``."""
    from guanjia.billing.services import common

    def set_to(day: datetime.date, hour: int = 10) -> None:
        moment = at(day, hour)
        monkeypatch.setattr(common, "_now", lambda: moment)

    return set_to


@pytest.fixture
def sw(bw):
    """Fees plus what a paid-service request needs: the company's categories and paid services, the
    SLA defaults, a butler for building 1."""
    from guanjia.core.roles import Role
    from guanjia.sla import services as sla_services
    from guanjia.staff.models import StaffMember
    from guanjia.tickets import services as ticket_services

    ticket_services.company_defaults_ensure(company=bw.company)
    sla_services.sla_defaults_ensure(company=bw.company)
    butler = f.make_staff(company=bw.company, roles=[Role.BUTLER], projects=[bw.project], name="楼栋管家")
    butler.butler_buildings.set([bw.building])
    bw.butler = butler.user
    bw.tech_staff = StaffMember.objects.get(user=bw.technician)
    return bw


def completed_paid_service(w):
    """A paid service (油烟机清洗, 120.00) booked by the resident of unit 1201 and done: its charge
    waits for confirmation."""
    from guanjia.tickets import services as ticket_services
    from guanjia.tickets.models import PaidService

    service = PaidService.objects.get(company=w.company, name="油烟机清洗")
    ticket = ticket_services.ticket_create(
        actor=w.resident_user,
        data={"unit_id": w.unit.pk, "paid_service_id": service.pk, "description": "周六上午"},
    )
    for actor, action, data in (
        (w.butler, "dispatch", {"assignee_id": w.tech_staff.pk}),
        (w.technician, "accept", {}),
        (w.technician, "arrive", {}),
        (w.technician, "complete", {"resolution": "已清洗"}),
    ):
        ticket = ticket_services.ticket_act(actor=actor, ticket=ticket, action=action, data=data)
    return ticket
