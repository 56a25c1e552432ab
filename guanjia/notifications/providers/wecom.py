"""WeCom (企业微信) application messages to staff, over the documented server API.

- ``GET  /cgi-bin/gettoken?corpid=…&corpsecret=…`` → ``{"errcode":0,"access_token":…,"expires_in":7200}``
- ``POST /cgi-bin/message/send?access_token=…`` with ``{"touser": userid, "msgtype": "textcard" | "text",
  "agentid": …}`` → ``{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":…}``

The recipient is the staff member's WeCom ``userid`` (``ChannelAddress``, channel ``wecom``). A
message with a link goes as a text card whose button opens the record in the console.

Settings (environment): ``GUANJIA_WECOM_CORP_ID``, ``GUANJIA_WECOM_AGENT_ID``,
``GUANJIA_WECOM_SECRET`` (the application's secret), ``GUANJIA_WECOM_BASE_URL``
(``https://qyapi.weixin.qq.com``; tests point it at a local fake).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from guanjia.notifications.channels import ChannelBackend, DeliveryError
from guanjia.notifications.messages import language_for
from guanjia.notifications.providers import AccessToken, call_json, describe, truncate_bytes

# The token is stale: renew it and send once more in the same attempt.
TOKEN_ERRORS = {40014, 41001, 42001}
# The recipient cannot be reached, however often we try: the row fails at once.
# 81013: "user & party & tag all invalid"; 82001: the older code for the same; 60111: userid not found.
RECIPIENT_ERRORS = {81013, 82001, 60111, 40031}


def _config() -> tuple[str, str, str, str]:
    corp_id = getattr(settings, "GUANJIA_WECOM_CORP_ID", "")
    agent_id = str(getattr(settings, "GUANJIA_WECOM_AGENT_ID", ""))
    secret = getattr(settings, "GUANJIA_WECOM_SECRET", "")
    base_url = getattr(settings, "GUANJIA_WECOM_BASE_URL", "") or "https://qyapi.weixin.qq.com"
    if not (corp_id and agent_id and secret):
        raise DeliveryError("WeCom is not configured: set GUANJIA_WECOM_CORP_ID, _AGENT_ID and _SECRET")
    return corp_id, agent_id, secret, base_url


def access_token() -> AccessToken:
    corp_id, agent_id, secret, base_url = _config()

    def fetch(force: bool) -> tuple[str, int]:
        reply = call_json(
            "GET", base_url, "/cgi-bin/gettoken", query={"corpid": corp_id, "corpsecret": secret}
        )
        if reply.get("errcode", 0) != 0 or not reply.get("access_token"):
            raise DeliveryError(f"WeCom gettoken: {describe(reply)}")
        return reply["access_token"], int(reply.get("expires_in") or 7200)

    return AccessToken(f"guanjia:wecom:token:{corp_id}:{agent_id}", fetch)


class WecomBackend(ChannelBackend):
    """Sends one application message to one staff member's WeCom."""

    def payload(self, notification, userid: str, agent_id: str) -> dict:
        subject, body = notification.text_for()
        message = {"touser": userid, "agentid": int(agent_id) if agent_id.isdigit() else agent_id}
        site = getattr(settings, "SITE_URL", "").rstrip("/")
        # A text card shows 512 bytes of description; a longer text (a digest) goes as plain text.
        if notification.url and len((body or subject).encode("utf-8")) <= 512:
            with translation.override(language_for(notification.recipient)):
                button = _("详情")
            message["msgtype"] = "textcard"
            message["textcard"] = {
                "title": truncate_bytes(subject, 128),
                "description": truncate_bytes(body or subject, 512),
                "url": f"{site}{notification.url}",
                "btntxt": button,
            }
        else:
            link = f"{site}{notification.url}" if notification.url else ""
            text = "\n".join(p for p in (subject, body) if p)
            content = truncate_bytes(text, 2040 - len(link.encode("utf-8"))) + (f"\n{link}" if link else "")
            message["msgtype"] = "text"
            message["text"] = {"content": content}
        # Without this WeCom may merge two identical messages sent within a short interval.
        message["enable_duplicate_check"] = 0
        return message

    def send(self, notification) -> None:
        userid = self.address_of(notification)
        if not userid:
            raise DeliveryError("no WeCom userid for this person", permanent=True)
        _corp, agent_id, _secret, base_url = _config()
        tokens = access_token()
        body = self.payload(notification, userid, agent_id)
        token = tokens.get()
        reply = call_json("POST", base_url, "/cgi-bin/message/send", query={"access_token": token}, body=body)
        if reply.get("errcode") in TOKEN_ERRORS:
            token = tokens.renew(token)
            reply = call_json(
                "POST", base_url, "/cgi-bin/message/send", query={"access_token": token}, body=body
            )
        code = reply.get("errcode")
        if code == 0:
            invalid = [u for u in (reply.get("invaliduser") or "").split("|") if u]
            if userid in invalid:
                raise DeliveryError(f"WeCom: invalid userid {userid}", permanent=True)
            return
        raise DeliveryError(f"WeCom: {describe(reply)}", permanent=code in RECIPIENT_ERRORS)
