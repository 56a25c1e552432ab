"""On a 375-px phone, as in WeChat's browser: the invitation SMS, activation, SMS sign-in, the portal.

``GUANJIA_SCREENS=docs/screens/residents`` saves the screenshots (docs/residents.md shows them).
"""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path

import pytest

from guanjia.residents.services import resident_invite
from guanjia.testing.browser import BROWSER_TIMEOUT_MS, full_page_screenshot
from guanjia.testing.residents import last_code, last_link, sms_to

pytestmark = pytest.mark.django_db(transaction=True)
# Playwright's sync API runs an event loop in this thread; the test's own queries are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PHONE_375 = {"width": 375, "height": 740}
# WeChat's built-in browser on Android announces itself so; the pages must not depend on it.
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/130.0.6723.103 Mobile Safari/537.36 XWEB/1300289 MMWEBSDK/20241103 MMWEBID/1234 "
    "MicroMessenger/8.0.55.2780(0x28003737) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)


def _shot(page, shots, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name}: page is {overflow}px wider than the screen"
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        full_page_screenshot(page, shots / f"{name}.png")


def test_invitation_to_portal_on_a_phone(world, browser, live_server, caplog, settings):
    caplog.set_level(logging.INFO, logger="guanjia.notifications.channels")
    settings.SITE_URL = live_server.url
    shots = Path(os.environ["GUANJIA_SCREENS"]) if os.environ.get("GUANJIA_SCREENS") else None
    resident = world.resident
    resident_invite(actor=world.desk, resident=resident)
    sms = sms_to(caplog, resident.phone)[-1]
    link = last_link(caplog, resident.phone)

    context = browser.new_context(viewport=PHONE_375, locale="zh-CN", user_agent=WECHAT_UA, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. The SMS as the phone shows it (the text is what the SMS backend was given).
    bubble = html.escape(sms.replace(" | ", "\n")).replace(live_server.url, "https://guanjia.example.com")
    page.set_content(
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<body style="margin:0;background:#ededed;font-family:sans-serif">'
        '<div style="padding:12px 16px;background:#f7f7f7;border-bottom:1px solid #ddd;text-align:center">'
        "106 9xxx xxxx（短信）</div>"
        '<div style="margin:16px;padding:12px 14px;background:#fff;border-radius:12px;white-space:pre-wrap;'
        f'word-break:break-all;line-height:1.5">{bubble}</div></body>'
    )
    _shot(page, shots, "1-invitation-sms")

    # 2. The activation page, then in.
    page.goto(live_server.url + link)
    assert page.get_by_test_id("activate").is_visible()
    _shot(page, shots, "2-activation")
    page.get_by_test_id("activate-submit").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    _shot(page, shots, "3-portal-home")

    # 3. Another day: signed out, in again with phone + SMS code.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/portal/login/")
    page.fill("#id_phone", resident.phone)
    _shot(page, shots, "4-sms-login-phone")
    page.get_by_test_id("send-code").click()
    page.wait_for_selector("#id_code")
    code = last_code(caplog, resident.phone)
    page.fill("#id_code", code)
    _shot(page, shots, "5-sms-login-code")
    page.get_by_test_id("verify").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.get_by_test_id("report").is_visible()

    # 4. The used link offers SMS sign-in.
    page.context.clear_cookies()
    page.goto(live_server.url + link)
    assert page.get_by_test_id("activate-invalid").is_visible()
    _shot(page, shots, "6-used-link")
    # The used link answers 410 Gone on purpose; the browser logs the status, nothing else may fail.
    assert [e for e in errors if "status of 410" not in e] == []
    context.close()
