import datetime

import pytest
from django.test import Client
from django.utils import timezone

from guanjia.billing.models import Bill
from guanjia.billing.tests.conftest import bw, generate  # noqa: F401  (bw: a fixture)
from guanjia.notifications.models import ChannelAddress
from guanjia.payments import services
from guanjia.testing.fake_wechatpay import FakeWeChatPay, django_client_deliver, merchant_settings


@pytest.fixture
def gw(settings):
    """The fake WeChat Pay gateway on 127.0.0.1; its callbacks come in through Django's test client."""
    with FakeWeChatPay(deliver=django_client_deliver(Client())) as fake:
        settings.GUANJIA_WECHATPAY_ENDPOINT = fake.url
        settings.GUANJIA_PAYMENTS_NOTIFY_BASE = "http://testserver"
        yield fake


@pytest.fixture
def pw(bw, gw):  # noqa: F811
    """The fee world with WeChat Pay set up by the administrator and two months billed for 1201
    and 1202 (223.75 each); the resident of 1201 has bound WeChat."""
    services.merchant_account_save(actor=bw.admin, data=merchant_settings())
    generate(bw, "2026-09", datetime.date(2026, 9, 30))
    generate(bw, "2026-10", datetime.date(2026, 10, 31))
    bw.bills = list(Bill.objects.filter(unit=bw.unit).order_by("period"))
    bw.other_bills = list(Bill.objects.filter(unit=bw.other_unit).order_by("period"))
    ChannelAddress.objects.create(
        company=bw.company, user=bw.resident_user, channel="wechat", address="oResident1201xxxxxxxxxxxxxx"
    )
    bw.gw = gw
    return bw


def open_order(w, bills, channel="jsapi", actor=None):
    return services.order_open_and_start(
        actor=actor or w.resident_user, data={"bill_ids": [b.pk for b in bills], "channel": channel}
    )


@pytest.fixture
def later(monkeypatch):
    """Move the services' present ``minutes`` ahead of the real clock."""
    from guanjia.billing.services import common

    def move(minutes: float) -> None:
        moment = timezone.now() + datetime.timedelta(minutes=minutes)
        monkeypatch.setattr(common, "_now", lambda: moment)

    return move


@pytest.fixture
def ali(settings):
    """The fake Alipay gateway on 127.0.0.1, configured from the environment's settings as a
    deployment would; its notifies come in through Django's test client."""
    from guanjia.testing import fake_alipay

    with fake_alipay.FakeAlipay(deliver=fake_alipay.django_client_deliver(Client())) as fake:
        app = fake_alipay.settings_for_app()
        settings.GUANJIA_ALIPAY_APP_ID = app["app_id"]
        settings.GUANJIA_ALIPAY_PRIVATE_KEY = app["private_key"]
        settings.GUANJIA_ALIPAY_PUBLIC_KEY = app["public_key"]
        settings.GUANJIA_ALIPAY_SELLER_ID = app["seller_id"]
        settings.GUANJIA_ALIPAY_GATEWAY = fake.gateway
        settings.GUANJIA_PAYMENTS_NOTIFY_BASE = "http://testserver"
        yield fake


@pytest.fixture
def aw(pw, ali):
    """The fee world with both gateways: WeChat Pay (the company's merchant) and Alipay (the
    deployment's app)."""
    pw.ali = ali
    return pw
