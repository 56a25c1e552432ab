"""The stores' rules at the service level: stock never negative, weighted average cost, issue to a
request writes its material line, the low-stock request raised once, approval by amount, partial
receipts, stock-takes approved by someone else, the approval ladder."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.services import visible_or_404
from guanjia.stores import services
from guanjia.stores.choices import MovementKind, PurchaseSource, PurchaseStatus, StockTakeStatus
from guanjia.stores.escalation import escalate_purchases
from guanjia.stores.models import Movement, PurchaseEscalation, PurchaseRequest, Stock, Store, StoresPolicy
from guanjia.stores.selectors import monthly_spend, ticket_material_cost
from guanjia.stores.tests.conftest import dec

pytestmark = pytest.mark.django_db


def stock(sw, store=None, item=None) -> Stock:
    return Stock.objects.get(store=store or sw.store, item=item or sw.washer)


def issue(sw, quantity, actor=None, **extra):
    return services.movement_issue(
        actor=actor or sw.technician,
        data={
            "store_id": sw.store.pk,
            "item_id": sw.washer.pk,
            "quantity": quantity,
            "ticket_id": sw.ticket.pk,
            **extra,
        },
    )


def test_issue_to_a_request_writes_its_material_line_at_cost_and_drops_below_min_raises_one_purchase(sw):
    services.movement_receive(
        actor=sw.manager,
        data={"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "1", "unit_cost": "6.00"},
    )
    assert stock(sw).avg_cost == dec("3.0000")  # (3 × 2 + 1 × 6) / 4
    movement = issue(sw, "3")
    assert movement.kind == MovementKind.ISSUE and movement.value == dec("-9.00")
    line = sw.ticket.materials.get()
    assert (line.name, line.quantity, line.cost) == ("水龙头垫片", dec("3"), dec("9.00"))
    assert ticket_material_cost(sw.ticket) == dec("9.00")
    assert stock(sw).on_hand == 1
    purchase = PurchaseRequest.objects.get()
    assert purchase.source == PurchaseSource.LOW_STOCK and purchase.status == PurchaseStatus.PENDING_PM
    assert purchase.quantity == dec("3")  # back to twice the minimum
    issue(sw, "1")  # lower still: no second open request
    assert PurchaseRequest.objects.count() == 1
    assert stock(sw).on_hand == 0
    spend = monthly_spend(sw.manager, year=movement.moved_at.year)
    assert [r["amount"] for r in spend] == [dec("12.00")]


def test_issue_more_than_stock_negative_or_zero_is_refused_naming_the_field(sw):
    for quantity, field in (("4", "quantity"), ("-1", "quantity"), ("0", "quantity"), ("abc", "quantity")):
        with pytest.raises(ValidationError) as exc:
            issue(sw, quantity)
        assert field in exc.value.message_dict
    assert stock(sw).on_hand == 3 and not Movement.objects.filter(kind=MovementKind.ISSUE).exists()
    assert not sw.ticket.materials.exists()


def test_return_goes_back_at_issue_cost_and_shrinks_the_material_line(sw):
    out = issue(sw, "2")
    services.movement_return(actor=sw.technician, data={"issue_id": out.pk, "quantity": "1"})
    assert stock(sw).on_hand == 2
    assert sw.ticket.materials.get().quantity == 1
    with pytest.raises(ValidationError) as exc:
        services.movement_return(actor=sw.technician, data={"issue_id": out.pk, "quantity": "2"})
    assert "quantity" in exc.value.message_dict


def test_transfer_moves_stock_at_cost_and_refuses_the_same_store(sw):
    services.movement_transfer(
        actor=sw.admin,
        data={
            "store_id": sw.store.pk,
            "to_store_id": sw.central.pk,
            "item_id": sw.washer.pk,
            "quantity": "1",
        },
    )
    assert stock(sw).on_hand == 2 and stock(sw, sw.central).on_hand == 1
    assert stock(sw, sw.central).avg_cost == dec("2.0000")
    with pytest.raises(ValidationError) as exc:
        services.movement_transfer(
            actor=sw.admin,
            data={
                "store_id": sw.store.pk,
                "to_store_id": sw.store.pk,
                "item_id": sw.washer.pk,
                "quantity": "1",
            },
        )
    assert "to_store_id" in exc.value.message_dict


def test_another_companys_or_projects_store_is_out_of_reach(sw):
    with pytest.raises(ValidationError) as exc:
        services.movement_issue(
            actor=sw.technician,
            data={
                "store_id": sw.sibling_store.pk,
                "item_id": sw.washer.pk,
                "quantity": "1",
                "ticket_id": sw.ticket.pk,
            },
        )
    assert "store_id" in exc.value.message_dict
    with pytest.raises(NotFound):
        visible_or_404(Store.objects, sw.store.pk, sw.foreign_admin)
    with pytest.raises(NotFound):
        visible_or_404(Store.objects, sw.central.pk, sw.manager)  # the central store is HQ's
    with pytest.raises(ValidationError) as exc:
        services.movement_receive(
            actor=sw.foreign_admin,
            data={"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "1", "unit_cost": "1"},
        )
    assert "store_id" in exc.value.message_dict


def test_approval_by_amount_pm_then_hq_never_the_asker(sw):
    StoresPolicy.objects.create(company=sw.company, pm_limit=Decimal("100"))
    small = services.purchase_create(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.valve.pk, "quantity": "2", "unit_price": "30"},
    )
    assert small.status == PurchaseStatus.PENDING_PM and small.due_at is not None
    with pytest.raises(NotAllowed):
        services.purchase_approve(actor=sw.technician, purchase=small)
    assert services.purchase_approve(actor=sw.manager, purchase=small).status == PurchaseStatus.APPROVED
    big = services.purchase_create(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "100", "unit_price": "2"},
    )
    # washers had no open request yet (stock 3 ≥ min 2); this one is above the PM's limit.
    big = services.purchase_approve(actor=sw.manager, purchase=big)
    assert big.status == PurchaseStatus.PENDING_HQ
    with pytest.raises(NotAllowed):
        services.purchase_approve(actor=sw.manager, purchase=big)
    with pytest.raises(ValidationError) as exc:
        services.purchase_reject(actor=sw.admin, purchase=big, reason=" ")
    assert "reason" in exc.value.message_dict
    rejected = services.purchase_reject(actor=sw.admin, purchase=big, reason="预算不足")
    assert rejected.status == PurchaseStatus.REJECTED and rejected.rejection_reason == "预算不足"


def test_second_open_request_for_the_same_store_and_item_is_refused(sw):
    data = {"store_id": sw.store.pk, "item_id": sw.valve.pk, "quantity": "1", "unit_price": "5"}
    services.purchase_create(actor=sw.technician, data=data)
    with pytest.raises((ValidationError, Conflict)):
        services.purchase_create(actor=sw.manager, data=data)
    assert PurchaseRequest.objects.count() == 1


def test_order_and_partial_receipts_update_stock_and_average_cost(sw):
    purchase = services.purchase_create(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "5", "unit_price": "3"},
    )
    services.purchase_approve(actor=sw.manager, purchase=purchase)
    with pytest.raises(ValidationError) as exc:
        services.purchase_order(actor=sw.manager, purchase=purchase, supplier_id=999999)
    assert "supplier_id" in exc.value.message_dict
    services.purchase_order(actor=sw.manager, purchase=purchase, supplier_id=sw.supplier.pk, unit_price="4")
    purchase = services.purchase_receive(actor=sw.manager, purchase=purchase, quantity="2")
    assert purchase.status == PurchaseStatus.ORDERED and purchase.received_quantity == 2
    assert stock(sw).on_hand == 5 and stock(sw).avg_cost == dec("2.8000")  # (3×2 + 2×4) / 5
    with pytest.raises(ValidationError):
        services.purchase_receive(actor=sw.manager, purchase=purchase, quantity="4")
    purchase = services.purchase_receive(actor=sw.manager, purchase=purchase, quantity="3")
    assert purchase.status == PurchaseStatus.RECEIVED and stock(sw).on_hand == 8


def test_stocktake_differences_explained_and_approved_by_someone_else(sw):
    take = services.stocktake_start(actor=sw.manager, store_id=sw.store.pk)
    services.stocktake_count(actor=sw.manager, stocktake=take, item_id=sw.washer.pk, counted="1")
    with pytest.raises(ValidationError) as exc:
        services.stocktake_submit(actor=sw.manager, stocktake=take)
    assert f"lines.{sw.washer.pk}.reason" in exc.value.message_dict
    services.stocktake_count(
        actor=sw.manager, stocktake=take, item_id=sw.washer.pk, counted="1", reason="破损两个"
    )
    services.stocktake_submit(actor=sw.manager, stocktake=take)
    assert stock(sw).on_hand == 3  # nothing posts before approval
    with pytest.raises(NotAllowed):
        services.stocktake_approve(actor=sw.manager, stocktake=take)
    take = services.stocktake_approve(actor=sw.admin, stocktake=take)
    assert take.status == StockTakeStatus.APPROVED
    assert stock(sw).on_hand == 1
    adjust = Movement.objects.get(kind=MovementKind.ADJUST)
    assert adjust.quantity == -2 and adjust.note == "破损两个"
    assert PurchaseRequest.objects.filter(source=PurchaseSource.LOW_STOCK).count() == 1


def test_a_late_approval_climbs_the_ladder_once(sw):
    purchase = services.purchase_create(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.valve.pk, "quantity": "1", "unit_price": "5"},
    )
    late = purchase.due_at + datetime.timedelta(minutes=1)
    assert escalate_purchases(now=late) == 1
    assert escalate_purchases(now=late) == 0
    assert escalate_purchases(now=late + datetime.timedelta(days=1)) == 1
    steps = PurchaseEscalation.objects.filter(purchase=purchase).values_list("step", flat=True)
    assert sorted(steps) == [1, 2]


def test_the_ledger_is_immutable(sw):
    movement = Movement.objects.first()
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        Movement.objects.filter(pk=movement.pk).update(note="x")
