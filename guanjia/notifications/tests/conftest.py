import pytest


@pytest.fixture
def emails(world):
    """Give the named people e-mail addresses (the world's users have none)."""
    for user in (world.desk, world.technician, world.manager, world.foreign_admin, world.resident_user):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return world


@pytest.fixture
def wecom(settings):
    """A local WeCom server, and the WeCom channel pointed at it (the technician and the manager
    are members of the company's WeCom: ``wx-tech`` and ``wx-manager``)."""
    from guanjia.notifications.tests.fakes import WecomFake

    fake = WecomFake(users={"wx-tech", "wx-manager"})
    settings.GUANJIA_WECOM_BACKEND = "guanjia.notifications.providers.wecom.WecomBackend"
    settings.GUANJIA_WECOM_CORP_ID = fake.corp_id
    settings.GUANJIA_WECOM_SECRET = fake.secret
    settings.GUANJIA_WECOM_AGENT_ID = str(fake.agent_id)
    settings.GUANJIA_WECOM_BASE_URL = fake.base_url
    settings.SITE_URL = "https://guanjia.example.com"
    yield fake
    fake.close()


@pytest.fixture
def wechat(settings):
    """A local WeChat official-account server with one template (ticket updates: thing1, time2),
    followed by the resident (``OPENID_RESIDENT``)."""
    from guanjia.notifications.tests.fakes import WechatFake

    fake = WechatFake(
        templates={"TPL-ticket-01": ["thing1", "character_string2"]}, followers={OPENID_RESIDENT}
    )
    settings.GUANJIA_WECHAT_BACKEND = "guanjia.notifications.providers.wechat.WechatBackend"
    settings.GUANJIA_WECHAT_APP_ID = fake.app_id
    settings.GUANJIA_WECHAT_APP_SECRET = fake.secret
    settings.GUANJIA_WECHAT_BASE_URL = fake.base_url
    settings.SITE_URL = "https://guanjia.example.com"
    yield fake
    fake.close()


OPENID_RESIDENT = "oR3sIdEnT0000000000000000001"
OPENID_OTHER = "oOtHeR000000000000000000000002"
