"""The stores API: the scoping battery for items and stores, issue through the API with 422 naming
the field, another project's store out of reach, approval through the API."""

import pytest

from guanjia.stores.models import PurchaseRequest, Stock, Store
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def test_stores_are_scoped_by_company_and_project(sw):
    assert Api().get("stores/stores").status_code == 401
    assert Api(sw.foreign_admin).get("stores/stores").json()["items"] == []
    assert Api(sw.foreign_admin).get(f"stores/stores/{sw.store.pk}").status_code == 404
    mine = Api(sw.manager)
    assert {s["id"] for s in mine.get("stores/stores").json()["items"]} == {sw.store.pk}
    assert mine.get(f"stores/stores/{sw.sibling_store.pk}").status_code == 404
    assert mine.get(f"stores/stores/{sw.central.pk}").status_code == 404
    assert Api(sw.admin).get(f"stores/stores/{sw.central.pk}").status_code == 200
    created = mine.post("stores/stores", {"project_id": sw.sibling_project.pk, "name": "别处仓库"})
    assert created.status_code == 422 and "project_id" in created.json()["errors"]
    assert mine.post("stores/stores", {"name": "总仓二"}).status_code == 403
    assert mine.post("stores/stores", {"project_id": sw.project.pk, "name": "二号仓库"}).status_code == 201
    assert Store.objects.filter(name="二号仓库", project=sw.project).exists()


def test_issue_through_the_api_and_bad_input_names_the_field(sw):
    tech = Api(sw.technician)
    payload = {"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "2", "ticket_id": sw.ticket.pk}
    created = tech.post("stores/movements/issue", payload)
    assert created.status_code == 201, created.content
    assert created.json()["value"] == "-4.00" and created.json()["on_hand_after"] == "1.00"
    too_many = tech.post("stores/movements/issue", {**payload, "quantity": "5"})
    assert too_many.status_code == 422 and "quantity" in too_many.json()["errors"]
    negative = tech.post("stores/movements/issue", {**payload, "quantity": "-1"})
    assert negative.status_code == 422 and "quantity" in str(negative.json())
    other = tech.post("stores/movements/issue", {**payload, "store_id": sw.sibling_store.pk})
    assert other.status_code == 422 and "store_id" in other.json()["errors"]
    same = Api(sw.admin).post(
        "stores/movements/transfer",
        {"store_id": sw.store.pk, "to_store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "1"},
    )
    assert same.status_code == 422 and "to_store_id" in same.json()["errors"]
    assert Stock.objects.get(store=sw.store, item=sw.washer).on_hand == 1
    # The issue dropped the store below its minimum: the manager sees and approves the request.
    manager = Api(sw.manager)
    listed = manager.get("stores/purchases", status="pending_pm")
    assert [p["item_name"] for p in listed.json()["items"]] == ["水龙头垫片"]
    pk = listed.json()["items"][0]["id"]
    assert manager.post(f"stores/purchases/{pk}/approve", {}).json()["status"] == "approved"
    assert Api(sw.foreign_admin).get(f"stores/purchases/{pk}").status_code == 404
    assert Api(sw.sibling_desk).get(f"stores/stores/{sw.store.pk}").status_code in (403, 404)
    assert PurchaseRequest.objects.get().status == "approved"


def test_stock_and_movements_lists_are_scoped(sw):
    assert Api(sw.foreign_admin).get("stores/stock").json()["items"] == []
    rows = Api(sw.manager).get("stores/stock").json()["items"]
    assert {r["store_id"] for r in rows} == {sw.store.pk}  # not the central store, not the sibling's
    assert Api(sw.admin).get("stores/figures/monthly-spend", year=2026).status_code == 200
