"""WeChat Pay API v3 through the ``wechatpayv3`` SDK: open (JSAPI / H5 / Native), query and close
an order, refund, and verify and decrypt a callback. Every request is signed by the SDK with the
merchant's key (WECHATPAY2-SHA256-RSA2048); every answer's signature is verified against the
platform public key before it is believed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from guanjia.payments.config import WechatConfig
from guanjia.payments.errors import CallbackRejected, GatewayError
from guanjia.payments.models import PayOrder

CALLBACK_MAX_SKEW = 300  # seconds: an older signed callback is a replay

__all__ = ["CallbackRejected", "GatewayError"]

if TYPE_CHECKING:
    from wechatpayv3 import WeChatPay


def client(cfg: WechatConfig, *, notify_url: str | None = None, channel: str = "native") -> WeChatPay:
    # The SDK (~19 MB with its crypto) is loaded by the first payment, not by every worker at start.
    from wechatpayv3 import WeChatPay, WeChatPayType

    types = {"jsapi": WeChatPayType.JSAPI, "h5": WeChatPayType.H5, "native": WeChatPayType.NATIVE}
    pay = WeChatPay(
        wechatpay_type=types[channel],
        mchid=cfg.mchid,
        private_key=cfg.private_key,
        cert_serial_no=cfg.cert_serial_no,
        appid=cfg.appid,
        apiv3_key=cfg.apiv3_key,
        notify_url=notify_url,
        public_key=cfg.public_key,
        public_key_id=cfg.public_key_id,
        timeout=(5, settings.GUANJIA_WECHATPAY_TIMEOUT),
    )
    # The SDK has no setting for its host: the tests' local fake, or a forward proxy in production.
    pay._core._gate_way = cfg.endpoint.rstrip("/")
    return pay


def _call(func, *args, **kwargs) -> tuple[int, dict]:
    try:
        code, text = func(*args, **kwargs)
    except Exception as exc:  # network, or an answer whose signature failed: never believed
        raise GatewayError(str(exc)[:200]) from exc
    try:
        body = json.loads(text) if text else {}
    except (TypeError, ValueError):
        body = {}
    return code, body


def _fail(code: int, body: dict) -> GatewayError:
    return GatewayError(
        f"{code} {body.get('code', '')}: {body.get('message', '')}"[:200], body.get("code", "")
    )


def prepay(
    cfg: WechatConfig,
    order: PayOrder,
    *,
    notify_url: str,
    description: str,
    openid: str = "",
    client_ip: str = "",
) -> dict:
    """Open the order at the gateway; returns ``prepay_id`` (JSAPI), ``h5_url`` or ``code_url``."""
    pay = client(cfg, notify_url=notify_url, channel=order.channel)
    extra = {}
    if order.channel == "jsapi":
        extra["payer"] = {"openid": openid}
    if order.channel == "h5":
        extra["scene_info"] = {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
    code, body = _call(
        pay.pay,
        description=description[:127],
        out_trade_no=order.out_trade_no,
        amount={"total": order.total_fen, "currency": "CNY"},
        time_expire=timezone.localtime(order.expires_at).isoformat(timespec="seconds"),
        **extra,
    )
    if code != 200:
        raise _fail(code, body)
    return body


def jsapi_params(cfg: WechatConfig, prepay_id: str) -> dict:
    """What ``WeixinJSBridge.invoke('getBrandWCPayRequest', …)`` needs, signed with the merchant key."""
    pay = client(cfg)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    package = f"prepay_id={prepay_id}"
    return {
        "appId": cfg.appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": pay.sign([cfg.appid, timestamp, nonce, package]),
    }


def start(
    cfg: WechatConfig,
    order: PayOrder,
    *,
    notify_url: str,
    description: str,
    openid: str = "",
    client_ip: str = "",
    **_ignored,
) -> dict:
    """The gateway interface's "open": ``prepay_id``, ``h5_url`` or ``code_url``."""
    answer = prepay(
        cfg, order, notify_url=notify_url, description=description, openid=openid, client_ip=client_ip
    )
    return {key: str(answer.get(key, "")) for key in ("prepay_id", "code_url", "h5_url")}


def as_txn(cfg: WechatConfig | None, resource: dict) -> dict:
    """A transaction (a query's answer or a decrypted callback) in the services' words."""
    amount = resource.get("amount") or {}
    return {
        "out_trade_no": str(resource.get("out_trade_no", "")),
        "transaction_id": str(resource.get("transaction_id", "")),
        "trade_state": str(resource.get("trade_state", "")),
        "mchid": resource.get("mchid"),
        "appid": resource.get("appid"),
        "total_fen": amount.get("total"),
        "currency": amount.get("currency", "CNY"),
        "success_time": resource.get("success_time", ""),
    }


def query(cfg: WechatConfig, out_trade_no: str) -> dict | None:
    """The gateway's view of an order, or None when it does not know it."""
    code, body = _call(client(cfg).query, out_trade_no=out_trade_no)
    if code == 404:
        return None
    if code != 200:
        raise _fail(code, body)
    return as_txn(cfg, body)


def close(cfg: WechatConfig, out_trade_no: str) -> None:
    code, body = _call(client(cfg).close, out_trade_no=out_trade_no)
    if code == 404 and body.get("code") == "ORDER_NOT_EXIST":
        return  # never opened there: as good as closed
    if code != 204:
        raise _fail(code, body)


_REFUND_STATES = {"SUCCESS": "SUCCESS", "ABNORMAL": "FAILED", "CLOSED": "FAILED"}


def refund_result(body: dict) -> dict:
    """A refund (an answer, a query's or a callback's resource) in the services' words."""
    return {
        "out_refund_no": str(body.get("out_refund_no", "")),
        "status": _REFUND_STATES.get(
            str(body.get("status") or body.get("refund_status") or ""), "PROCESSING"
        ),
        "refund_id": str(body.get("refund_id", "")),
        "refund_fen": (body.get("amount") or {}).get("refund"),
    }


def refund(cfg: WechatConfig, *, order: PayOrder, refund, notify_url: str) -> dict:
    code, body = _call(
        client(cfg, notify_url=notify_url).refund,
        out_refund_no=refund.out_refund_no,
        out_trade_no=order.out_trade_no,
        amount={"refund": int(refund.amount * 100), "total": order.total_fen, "currency": "CNY"},
        reason="物业费退款",
    )
    if code != 200:
        raise _fail(code, body)
    return refund_result(body)


def refund_query(cfg: WechatConfig, *, order: PayOrder, refund) -> dict | None:
    code, body = _call(client(cfg).query_refund, out_refund_no=refund.out_refund_no)
    if code == 404:
        return None
    if code != 200:
        raise _fail(code, body)
    return refund_result(body)


def header(meta: dict, name: str) -> str:
    return meta.get("HTTP_" + name.upper().replace("-", "_"), "")


def verify_callback(cfg: WechatConfig, meta: dict, body: bytes) -> dict:
    """The callback's envelope with its ``resource`` decrypted, or ``CallbackRejected``: the serial
    must be the platform key's, the timestamp fresh, the RSA signature valid, and the resource must
    decrypt (AEAD_AES_256_GCM with the APIv3 key, which also authenticates it)."""
    if header(meta, "Wechatpay-Signature-Type") not in ("", "WECHATPAY2-SHA256-RSA2048"):
        raise CallbackRejected("unsupported signature type")
    if header(meta, "Wechatpay-Serial") != cfg.public_key_id:
        raise CallbackRejected("unknown platform key serial")
    try:
        stamp = int(header(meta, "Wechatpay-Timestamp"))
    except ValueError:
        raise CallbackRejected("no timestamp") from None
    if abs(time.time() - stamp) > CALLBACK_MAX_SKEW:
        raise CallbackRejected("stale timestamp")
    meta = {**meta, "HTTP_WECHATPAY_SIGNATURE_TYPE": "WECHATPAY2-SHA256-RSA2048"}
    try:
        result = client(cfg).callback(meta, body)
    except Exception as exc:
        raise CallbackRejected(f"unreadable: {exc}"[:200]) from exc
    if not result or not isinstance(result.get("resource"), dict):
        raise CallbackRejected("signature or decryption failed")
    return result


def _parse_bill(text: str) -> tuple[dict, dict]:
    """A WeChat Pay trade bill: (trades, refunds). trades: transaction id → (out_trade_no, amount
    in 元) of successful trades; refunds: out_refund_no → (out_trade_no, refund in 元)."""
    lines = text.splitlines()
    if not lines:
        return {}, {}
    index = {name: i for i, name in enumerate(lines[0].split(","))}
    trades, refunds = {}, {}
    for line in lines[1:]:
        if not line.startswith("`"):
            break  # the totals follow the rows
        fields = [field.lstrip("`") for field in line.split(",")]
        state = fields[index["交易状态"]]
        try:
            if state == "SUCCESS":
                amount = Decimal(fields[index["订单金额"]])
                trades[fields[index["微信订单号"]]] = (fields[index["商户订单号"]], amount)
            elif state == "REFUND":
                amount = Decimal(fields[index["申请退款金额"]])
                refunds[fields[index["商户退款单号"]]] = (fields[index["商户订单号"]], amount)
        except InvalidOperation:
            raise GatewayError("unreadable trade bill amount") from None
    return trades, refunds


def trade_bill(cfg: WechatConfig, day) -> tuple[dict, dict]:
    """The day's trade bill (``/v3/bill/tradebill``), downloaded and checked against its SHA1."""
    pay = client(cfg)
    code, body = _call(pay.trade_bill, bill_date=day.isoformat())
    if code != 200:
        raise _fail(code, body)
    try:
        code, content = pay.download_bill(body["download_url"])
        text = gzip.decompress(content).decode("utf-8-sig")
    except Exception as exc:
        raise GatewayError(f"trade bill download: {exc}"[:200]) from exc
    if hashlib.sha1(text.encode()).hexdigest() != body.get("hash_value"):  # noqa: S324  (WeChat's digest)
        raise GatewayError("trade bill digest does not match")
    return _parse_bill(text)
