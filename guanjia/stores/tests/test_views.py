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


def test_hq_sets_the_purchasing_rules_and_new_requests_follow_them(sw, client):
    import datetime
    from decimal import Decimal

    from guanjia.stores.choices import PurchaseStatus
    from guanjia.testing.api import Api

    assert Api(sw.manager).get("stores/policy").json() == {"pm_limit": "5000.00", "approval_hours": 24}
    assert Api(sw.manager).put("stores/policy", {"pm_limit": "1"}).status_code == 403
    for bad in ({"pm_limit": "-1"}, {"approval_hours": 0}, {"approval_hours": 999}, {"pm_limit": "1.234"}):
        answer = Api(sw.admin).put("stores/policy", bad)
        assert answer.status_code == 422, (bad, answer.content)
        assert set(bad) & set(answer.json()["errors"]) or next(iter(bad)) in answer.json()["detail"]
    saved = Api(sw.admin).put("stores/policy", {"pm_limit": "100", "approval_hours": 48})
    assert saved.status_code == 200 and saved.json() == {"pm_limit": "100.00", "approval_hours": 48}
    assert Api(sw.foreign_admin).get("stores/policy").json()["pm_limit"] == "5000.00"
    # A request above the new limit climbs to HQ after the project manager; its deadline is 48 h.
    big = services.purchase_create(
        actor=sw.technician,
        data={"store_id": sw.store.pk, "item_id": sw.valve.pk, "quantity": "10", "unit_price": "30"},
    )
    assert big.due_at - big.created_at > datetime.timedelta(hours=47)
    assert services.purchase_approve(actor=sw.manager, purchase=big).status == PurchaseStatus.PENDING_HQ
    # The page shows the rules; HQ changes them there, a bad value comes back as a message.
    client.force_login(sw.admin)
    assert "100 元以内项目经理审批" in client.get("/stores/purchases/").content.decode()
    client.post("/stores/purchases/policy/", {"pm_limit": "2500", "approval_hours": "12"})
    page = client.post("/stores/purchases/policy/", {"approval_hours": "x"}, follow=True).content.decode()
    assert "请填写整数小时" in page
    policy = services.common.policy_for(sw.company.pk)
    assert (policy.pm_limit, policy.approval_hours) == (Decimal("2500.00"), 12)
    client.force_login(sw.manager)
    assert 'name="pm_limit"' not in client.get("/stores/purchases/").content.decode()
