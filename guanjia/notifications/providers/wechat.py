"""WeChat official-account (公众号) template messages to residents who bound their openid.

- ``POST /cgi-bin/stable_token`` ``{"grant_type":"client_credential","appid":…,"secret":…}`` →
  ``{"access_token":…,"expires_in":7200}`` (the stable token: several servers asking do not
  invalidate each other's token, unlike ``/cgi-bin/token``)
- ``POST /cgi-bin/message/template/send?access_token=…`` ``{"touser": openid, "template_id": …,
  "url": portal link, "data": {"thing1": {"value": …}}}`` → ``{"errcode":0,"errmsg":"ok","msgid":…}``

The template of each kind of notification, and which of the kind's parameters fills which template
variable, is set per company (``WechatTemplate``; the console's "微信模板消息" page, the API). A kind
without a template falls back to the company's template for ``general``; with neither, the message
cannot be sent on WeChat and fails at once, saying so.

Settings (environment): ``GUANJIA_WECHAT_APP_ID``, ``GUANJIA_WECHAT_APP_SECRET``,
``GUANJIA_WECHAT_BASE_URL`` (``https://api.weixin.qq.com``; tests point it at a local fake).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from guanjia.notifications.channels import ChannelBackend, DeliveryError
from guanjia.notifications.kinds import GENERAL
from guanjia.notifications.messages import PARAMS, language_for, render
from guanjia.notifications.models import WechatTemplate
from guanjia.notifications.providers import AccessToken, call_json, describe

# 40001: "invalid credential, access_token is invalid or not latest"; 42001: expired; 41001: missing.
TOKEN_ERRORS = {40001, 41001, 42001}
# 43004: "require subscribe" (the resident unfollowed the account); 40003: invalid openid;
# 43101: the user refused the subscription message; 40037: the template id is not the account's.
RECIPIENT_ERRORS = {40003, 43004, 43101, 40037}
VALUE_LIMIT = 200


def _config() -> tuple[str, str, str]:
    app_id = getattr(settings, "GUANJIA_WECHAT_APP_ID", "")
    secret = getattr(settings, "GUANJIA_WECHAT_APP_SECRET", "")
    base_url = getattr(settings, "GUANJIA_WECHAT_BASE_URL", "") or "https://api.weixin.qq.com"
    if not (app_id and secret):
        raise DeliveryError("WeChat is not configured: set GUANJIA_WECHAT_APP_ID and _APP_SECRET")
    return app_id, secret, base_url


def access_token() -> AccessToken:
    app_id, secret, base_url = _config()

    def fetch(force: bool) -> tuple[str, int]:
        body = {"grant_type": "client_credential", "appid": app_id, "secret": secret}
        if force:
            body["force_refresh"] = True
        reply = call_json("POST", base_url, "/cgi-bin/stable_token", body=body)
        if reply.get("errcode", 0) != 0 or not reply.get("access_token"):
            raise DeliveryError(f"WeChat stable_token: {describe(reply)}")
        return reply["access_token"], int(reply.get("expires_in") or 7200)

    return AccessToken(f"guanjia:wechat:token:{app_id}", fetch)


def template_for(notification) -> WechatTemplate | None:
    found = {
        t.kind: t
        for t in WechatTemplate.objects.filter(
            company_id=notification.company_id, kind__in=[notification.kind, GENERAL]
        )
    }
    return found.get(notification.kind) or found.get(GENERAL)


def offered_values(notification) -> dict[str, str]:
    """What a template may be filled from, in the recipient's language: the subject, the portal
    link and every parameter of the message's subject and body (``kinds.Kind.offered``)."""
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    subject, body = notification.text_for()
    values: dict[str, str] = {}
    with translation.override(language_for(notification.recipient)):
        for part in ("subject", "body"):
            data = (notification.message or {}).get(part) or {}
            for name, value in (data.get(PARAMS) or {}).items():
                values[name] = render(value) if isinstance(value, dict) else str(value)
    values.update(subject=subject, body=body, url=f"{site}{notification.url}" if notification.url else site)
    return values


class WechatBackend(ChannelBackend):
    """Sends one template message to one resident's WeChat."""

    def payload(self, notification, openid: str) -> dict:
        template = template_for(notification)
        if template is None:
            raise DeliveryError(
                f"no WeChat template for kind {notification.kind!r} (nor for {GENERAL!r})", permanent=True
            )
        values = offered_values(notification)
        data = {
            variable: {"value": values.get(param, "")[:VALUE_LIMIT]}
            for variable, param in sorted(template.variables.items())
        }
        site = getattr(settings, "SITE_URL", "").rstrip("/")
        message = {"touser": openid, "template_id": template.template_id, "data": data}
        if notification.url:
            message["url"] = f"{site}{notification.url}"
        # A resident clicking the message twice, or WeChat retrying, must not see two messages.
        message["client_msg_id"] = f"guanjia-{notification.pk}"
        return message

    def send(self, notification) -> None:
        openid = self.address_of(notification)
        if not openid:
            raise DeliveryError("no WeChat openid bound for this person", permanent=True)
        _app, _secret, base_url = _config()
        body = self.payload(notification, openid)
        tokens = access_token()
        token = tokens.get()
        path = "/cgi-bin/message/template/send"
        reply = call_json("POST", base_url, path, query={"access_token": token}, body=body)
        if reply.get("errcode") in TOKEN_ERRORS:
            token = tokens.renew(token)
            reply = call_json("POST", base_url, path, query={"access_token": token}, body=body)
        code = reply.get("errcode")
        if code == 0:
            return
        raise DeliveryError(f"WeChat: {describe(reply)}", permanent=code in RECIPIENT_ERRORS)
