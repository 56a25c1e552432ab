"""Alipay on the API and the pages: the resident picks the gateway (only configured ones show),
the desk's QR for either gateway, the cashier warned about bills held online, the admin read-only."""

import pytest
from django.test import Client

from guanjia.payments.models import MerchantAccount, PayOrder
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_api_opens_an_alipay_order_and_keeps_it_in_scope(aw):
    api = Api(aw.resident_user)
    created = api.post("/api/v1/pay-orders", {"bill_ids": [b.pk for b in aw.bills], "channel": "alipay_wap"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["provider"] == "alipay" and body["amount"] == "447.50" and body["jsapi"] is None
    assert body["h5_url"].startswith(aw.ali.gateway + "?") and "alipay.trade.wap.pay" in body["h5_url"]
    assert (
        api.post("/api/v1/pay-orders", {"bill_ids": [aw.bills[0].pk], "channel": "alipay_qr"}).status_code
        == 409
    )
    assert Api(aw.foreign_admin).get(f"/api/v1/pay-orders/{body['id']}").status_code == 404
    assert Api(aw.other_resident_user).get(f"/api/v1/pay-orders/{body['id']}").status_code == 404
    # A notify sent to another company's address finds no order there and changes nothing.
    aw.ali.open_link(body["h5_url"])
    trade = aw.ali.pay(body["out_trade_no"], drop=True)
    foreign = aw.ali.notify_for(trade)
    foreign.url = f"http://testserver/payments/notify/alipay/{aw.other_company.pk}/0/"
    assert aw.ali.send(foreign) == "failure"
    assert PayOrder.objects.get().status == "open"


def test_api_refuses_alipay_where_it_is_not_configured(pw):
    response = Api(pw.resident_user).post(
        "/api/v1/pay-orders", {"bill_ids": [pw.bills[0].pk], "channel": "alipay_qr"}
    )
    assert response.status_code == 422 and "channel" in response.json()["errors"]
    assert not PayOrder.objects.exists()


def test_the_resident_picks_the_gateway_and_pays_with_alipay(aw):
    resident = login(aw.resident_user)
    html = resident.get("/portal/pay/", HTTP_USER_AGENT=PHONE).content.decode()
    assert 'data-testid="pay-submit"' in html and 'data-testid="pay-alipay"' in html
    assert 'value="alipay_wap"' in html
    response = resident.post("/portal/pay/", {"bill": [b.pk for b in aw.bills], "channel": "alipay_wap"})
    order = PayOrder.objects.get()
    assert response.status_code == 302 and order.provider == "alipay"
    page = resident.get(response["Location"]).content.decode()
    assert "打开支付宝付款" in page and "447.50" in page
    aw.ali.open_link(order.h5_url)
    aw.ali.pay(order.out_trade_no)
    assert "支付成功" in resident.get(f"/portal/pay/{order.out_trade_no}/status/").content.decode()


def test_only_configured_gateways_show(aw, settings):
    resident = login(aw.resident_user)
    settings.GUANJIA_ALIPAY_APP_ID = ""
    html = resident.get("/portal/pay/", HTTP_USER_AGENT=PHONE).content.decode()
    assert 'data-testid="pay-submit"' in html and 'data-testid="pay-alipay"' not in html
    settings.GUANJIA_ALIPAY_APP_ID = "2021004123456789"
    MerchantAccount.objects.update(enabled=False)  # WeChat Pay switched off
    html = resident.get("/portal/pay/").content.decode()
    assert 'data-testid="pay-submit"' not in html and 'value="alipay_qr"' in html


def test_the_desk_chooses_the_gateway_of_its_qr_and_is_warned_about_held_bills(aw):
    desk = login(aw.desk)
    html = desk.get(f"/payments/desk/?unit={aw.unit.pk}").content.decode()
    assert 'data-testid="desk-native"' in html and 'data-testid="desk-alipay_qr"' in html
    response = desk.post(
        "/payments/desk/", {"unit": aw.unit.pk, "bill": [aw.bills[0].pk], "channel": "alipay_qr"}
    )
    order = PayOrder.objects.get()
    assert response.status_code == 302 and order.channel == "alipay_qr"
    page = desk.get(response["Location"]).content.decode()
    assert "<svg" in page and "支付宝扫一扫" in page
    statement = desk.get(f"/billing/units/{aw.unit.pk}/").content.decode()
    assert 'data-testid="held-online"' in statement and order.out_trade_no in statement
    assert 'data-testid="held-online"' not in desk.get(f"/billing/units/{aw.other_unit.pk}/").content.decode()


def test_payments_in_the_admin_are_read_only_and_hide_secrets(aw):
    aw.admin.is_staff = True  # the admin site's door; Perm.ADMIN decides the rest
    aw.admin.save(update_fields=["is_staff"])
    admin = login(aw.admin)
    for path in ("payorder", "gatewaynotice", "gatewayrefund", "recondifference", "merchantaccount"):
        assert admin.get(f"/admin/payments/{path}/").status_code == 200
    assert admin.get("/admin/payments/payorder/add/").status_code == 403
    account = MerchantAccount.objects.get()
    page = admin.get(f"/admin/payments/merchantaccount/{account.pk}/change/").content.decode()
    assert "PRIVATE KEY" not in page and account.apiv3_key not in page
    assert login(aw.desk).get("/admin/payments/payorder/").status_code in (302, 403)
