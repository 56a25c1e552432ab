"""The API and the pages: a resident opens an order for their bills, 422/409 as the rules say; the
portal pay page and the order page; the desk's QR; the settings page never shows a secret again."""

import pytest
from django.test import Client

from guanjia.payments.models import MerchantAccount, PayOrder
from guanjia.payments.secretbox import open_sealed
from guanjia.testing import fake_wechatpay as fake
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_api_open_read_and_refuse(pw):
    api = Api(pw.resident_user)
    created = api.post("/api/v1/pay-orders", {"bill_ids": [b.pk for b in pw.bills], "channel": "jsapi"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == "447.50" and body["status"] == "open"
    assert body["jsapi"]["package"].startswith("prepay_id=wx") and body["jsapi"]["signType"] == "RSA"
    again = api.post("/api/v1/pay-orders", {"bill_ids": [pw.bills[0].pk], "channel": "h5"})
    assert again.status_code == 409
    other = api.post("/api/v1/pay-orders", {"bill_ids": [pw.other_bills[0].pk], "channel": "h5"})
    assert other.status_code == 422 and "bill_ids" in other.json()["errors"]
    assert api.get(f"/api/v1/pay-orders/{body['id']}").status_code == 200
    assert Api(pw.other_resident_user).get(f"/api/v1/pay-orders/{body['id']}").status_code == 404
    assert Api(pw.foreign_admin).get(f"/api/v1/pay-orders/{body['id']}").status_code == 404
    assert Api(pw.sibling_desk).get(f"/api/v1/pay-orders/{body['id']}").status_code == 404
    assert [o["id"] for o in Api(pw.desk).get("/api/v1/pay-orders").json()["items"]] == [body["id"]]
    assert PayOrder.objects.count() == 1


def test_the_portal_pay_page_pays_two_bills(pw):
    resident = login(pw.resident_user)
    page = resident.get("/portal/pay/", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{pw.bills[0].pk}"' in html and f'value="{pw.other_bills[0].pk}"' not in html
    response = resident.post("/portal/pay/", {"bill": [b.pk for b in pw.bills], "channel": "h5"})
    order = PayOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/pay/{order.out_trade_no}/"
    html = resident.get(response["Location"]).content.decode()
    assert "447.50" in html and 'data-testid="h5-pay"' in html
    pw.gw.pay(order.out_trade_no)
    status = resident.get(f"/portal/pay/{order.out_trade_no}/status/").content.decode()
    assert "支付成功" in status
    assert login(pw.other_resident_user).get(f"/portal/pay/{order.out_trade_no}/").status_code == 404


def test_the_portal_says_why_an_order_is_refused(pw):
    resident = login(pw.resident_user)
    response = resident.post("/portal/pay/", {"channel": "h5"})
    assert response.status_code == 422 and "请选择要缴的账单" in response.content.decode()


def test_the_desk_shows_a_qr_code(pw):
    desk = login(pw.desk)
    assert pw.unit.building.name in desk.get(f"/payments/desk/?unit={pw.unit.pk}").content.decode()
    response = desk.post("/payments/desk/", {"unit": pw.unit.pk, "bill": [pw.bills[0].pk]})
    order = PayOrder.objects.get()
    assert response.status_code == 302 and order.channel == "native"
    assert "<svg" in desk.get(response["Location"]).content.decode()


def test_settings_keep_secrets_sealed_and_never_show_them(pw):
    admin = login(pw.admin)
    page = admin.get("/payments/settings/").content.decode()
    settings = fake.merchant_settings()
    assert fake.MCHID in page and 'data-testid="secret-set"' in page
    assert settings["apiv3_key"] not in page and "PRIVATE KEY" not in page
    account = MerchantAccount.objects.get()
    assert (
        settings["apiv3_key"] not in account.apiv3_key
        and open_sealed(account.apiv3_key) == settings["apiv3_key"]
    )
    # Saving without the secrets keeps them.
    data = {k: v for k, v in settings.items() if k not in ("private_key", "apiv3_key")}
    assert admin.post("/payments/settings/", {**data, "enabled": "on"}).status_code == 302
    account.refresh_from_db()
    assert open_sealed(account.apiv3_key) == settings["apiv3_key"]
    bad = admin.post(
        "/payments/settings/", {**data, "apiv3_key": "short", "private_key": settings["private_key"]}
    )
    assert bad.status_code == 422 and "32" in bad.content.decode()
    assert "PRIVATE KEY" not in bad.content.decode()
    assert login(pw.desk).get("/payments/settings/").status_code == 403
    # The journal never holds a secret.
    from django.contrib.contenttypes.models import ContentType

    from guanjia.core.models import ObjectChange

    changes = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(MerchantAccount))
    assert changes.exists()
    for change in changes:
        assert "apiv3_key" not in str(change.changes) and "private_key" not in str(change.changes)
