"""The console pages answer for the people who use them, forms show service errors, another
project's store is 404, and the facilities costs page shows the stores' panel."""

import pytest

from guanjia.stores import services
from guanjia.stores.models import PurchaseRequest

pytestmark = pytest.mark.django_db


def test_pages_render_and_scope(sw, client):
    services.movement_issue(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "2", "ticket_id": sw.ticket.pk},
    )
    purchase = PurchaseRequest.objects.get()
    take = services.stocktake_start(actor=sw.manager, store_id=sw.store.pk)
    client.force_login(sw.manager)
    for url in (
        "/stores/",
        "/stores/?below_min=on",
        "/stores/items/",
        "/stores/stores/",
        f"/stores/stores/{sw.store.pk}/",
        "/stores/movements/",
        "/stores/movements/new/issue/",
        "/stores/movements/new/transfer/",
        "/stores/purchases/?status=open",
        f"/stores/purchases/{purchase.pk}/",
        f"/stores/stocktakes/{take.pk}/",
        "/stores/figures/",
        "/facilities/costs/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "水龙头垫片" in client.get("/stores/movements/").content.decode()
    assert "仓库领用物料成本" in client.get("/facilities/costs/").content.decode()
    assert client.get(f"/stores/stores/{sw.sibling_store.pk}/").status_code == 404
    assert client.get(f"/stores/stores/{sw.central.pk}/").status_code == 404
    refused = client.post(
        "/stores/movements/new/issue/",
        {"store": sw.store.pk, "item": sw.washer.pk, "quantity": "9", "ticket": sw.ticket.pk},
    )
    assert refused.status_code == 422 and "库存不足" in refused.content.decode()
    approved = client.post(f"/stores/purchases/{purchase.pk}/approve/")
    assert approved.status_code == 302
    purchase.refresh_from_db()
    assert purchase.status == "approved"


def test_technician_phone_page_and_export(sw, client):
    client.force_login(sw.technician)
    assert client.get("/stores/take/").status_code == 200
    client.force_login(sw.manager)
    export = client.get("/data/export/stores-stock.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert client.get("/data/export/stores-movements.xlsx").status_code == 200


def test_the_complete_form_shows_what_the_store_issued_so_it_is_not_typed_again(sw, client):
    from guanjia.tickets import services as ticket_services

    ticket_services.ticket_act(
        actor=sw.desk,
        ticket=sw.ticket,
        action="dispatch",
        data={"assignee_id": sw.technician.staff_member.pk},
    )
    for action in ("accept", "arrive"):
        ticket_services.ticket_act(actor=sw.technician, ticket=sw.ticket, action=action)
    services.movement_issue(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.washer.pk, "quantity": "2", "ticket_id": sw.ticket.pk},
    )
    client.force_login(sw.technician)
    page = client.get(f"/tickets/{sw.ticket.pk}/?action=complete").content.decode()
    assert "data-recorded-materials" in page
    assert "水龙头垫片 2" in page
    assert "不要重复填写" in page
