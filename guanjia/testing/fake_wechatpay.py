"""A local fake of WeChat Pay API v3 for tests, on 127.0.0.1.

It checks every request as the gateway does — the ``Authorization: WECHATPAY2-SHA256-RSA2048
mchid=…,nonce_str=…,signature=…,timestamp=…,serial_no=…`` header verified with the merchant's
public key over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` (401 SIGN_ERROR otherwise), the
mchid and appid, the parameters each endpoint requires (400 PARAM_ERROR) — and signs every answer
with the platform private key (``Wechatpay-Timestamp/-Nonce/-Signature/-Serial`` headers over
``TIMESTAMP\\nNONCE\\nBODY\\n``), as the SDK verifies. Endpoints: ``/v3/pay/transactions/jsapi|h5|
native``, query by out-trade-no, close, ``/v3/refund/domestic/refunds``.

Callbacks are the gateway's: a signed JSON envelope whose ``resource`` is encrypted with
AEAD_AES_256_GCM under the merchant's APIv3 key. ``pay(out_trade_no)`` stands for the resident
paying; it sends the TRANSACTION.SUCCESS callback ``repeat`` times, or ``drop``s it, or ``hold``s it
until ``release()`` (late / out of order). Refund callbacks wait in ``held`` too.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MCHID = "1900012345"
APPID = "wx8d1f0c5e7a2b3c4d"
CERT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000123452025120300000001"
APIV3_KEY = "Gj2026apiv3KeyForTestsOnly000001"  # 32 characters
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _pem_public(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def keys() -> dict[str, rsa.RSAPrivateKey]:
    """The merchant's and the platform's key pairs (made once per test run: 2048-bit RSA is slow)."""
    if not _KEYS:
        _KEYS.update(merchant=_key(), platform=_key(), forger=_key())
    return _KEYS


def sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def encrypt(plaintext: str, associated_data: str, apiv3_key: str = APIV3_KEY) -> dict:
    nonce = secrets.token_hex(6)  # 12 characters, as the gateway's
    data = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(data).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def merchant_settings() -> dict:
    """What a company administrator enters on the settings page for this fake's merchant."""
    k = keys()
    return {
        "mchid": MCHID,
        "appid": APPID,
        "cert_serial_no": CERT_SERIAL,
        "private_key": _pem_private(k["merchant"]),
        "apiv3_key": APIV3_KEY,
        "platform_public_key": _pem_public(k["platform"]),
        "platform_public_key_id": PUBLIC_KEY_ID,
    }


def _now_rfc3339() -> str:
    return datetime.datetime.now(SHANGHAI).replace(microsecond=0).isoformat()


@dataclass
class Trade:
    out_trade_no: str
    channel: str
    params: dict
    trade_state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""
    refunded: int = 0

    def as_json(self) -> dict:
        total = self.params["amount"]["total"]
        body = {
            "appid": self.params["appid"],
            "mchid": self.params["mchid"],
            "out_trade_no": self.out_trade_no,
            "trade_state": self.trade_state,
            "trade_state_desc": {"NOTPAY": "订单未支付", "SUCCESS": "支付成功", "CLOSED": "订单已关闭"}.get(
                self.trade_state, self.trade_state
            ),
            "amount": {"total": total, "currency": "CNY"},
            "attach": "",
        }
        if self.trade_state in ("SUCCESS", "REFUND"):
            body.update(
                transaction_id=self.transaction_id,
                trade_type={"jsapi": "JSAPI", "h5": "MWEB", "native": "NATIVE"}[self.channel],
                bank_type="OTHERS",
                success_time=self.success_time,
                payer={
                    "openid": (self.params.get("payer") or {}).get("openid", "oFakeNativePayer00000000001")
                },
                amount={"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
            )
        return body


@dataclass
class Callback:
    url: str
    headers: dict
    body: bytes
    statuses: list = field(default_factory=list)


class FakeWeChatPay:
    """``with FakeWeChatPay(deliver=…) as gw:``; ``gw.url`` is the endpoint to configure.
    ``deliver(url, headers, body) -> status`` sends a callback (default: an HTTP POST)."""

    def __init__(self, deliver=None):
        self.keys = keys()
        self.trades: dict[str, Trade] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.held: list[Callback] = []
        self.sent: list[Callback] = []
        self.deliver = deliver or self._http_post
        # The trade bill (交易账单) can be told to differ from the truth: rows added, amounts changed,
        # trades left out.
        self.bill_extra: list[dict] = []
        self.bill_amounts: dict[str, int] = {}
        self.bill_omit: set[str] = set()
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self, b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake._handle(self, self.rfile.read(length))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # The wire ---------------------------------------------------------------------------------

    def _answer(self, handler, status: int, body: dict | bytes | None) -> None:
        if isinstance(body, bytes):  # a bill file: not JSON, not signed (the SDK does not verify it)
            handler.send_response(status)
            handler.send_header("Content-Type", "application/octet-stream")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        stamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
        text = data.decode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-ID", secrets.token_hex(16))
        handler.send_header("Wechatpay-Nonce", nonce)
        handler.send_header("Wechatpay-Timestamp", stamp)
        handler.send_header("Wechatpay-Serial", PUBLIC_KEY_ID)
        handler.send_header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
        handler.send_header("Wechatpay-Signature", sign(self.keys["platform"], f"{stamp}\n{nonce}\n{text}\n"))
        handler.end_headers()
        handler.wfile.write(data)

    def _check_authorization(self, handler, body: bytes) -> str | None:
        """None when the request is signed by the merchant as the gateway requires, else why not."""
        auth = handler.headers.get("Authorization", "")
        scheme, _, rest = auth.partition(" ")
        if scheme != "WECHATPAY2-SHA256-RSA2048":
            return "错误的签名方式"
        parts = {}
        for item in rest.split(","):
            name, _, value = item.strip().partition("=")
            parts[name] = value.strip('"')
        if parts.get("mchid") != MCHID:
            return "商户号不存在"
        if parts.get("serial_no") != CERT_SERIAL:
            return "证书序列号错误"
        try:
            if abs(time.time() - int(parts.get("timestamp", "0"))) > 300:
                return "时间戳过期"
            signature = base64.b64decode(parts.get("signature", ""))
        except ValueError:
            return "签名错误"
        message = f"{handler.command}\n{handler.path}\n{parts['timestamp']}\n{parts.get('nonce_str', '')}\n"
        message += body.decode() + "\n"
        try:
            self.keys["merchant"].public_key().verify(
                signature, message.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return "签名错误"
        return None

    def _handle(self, handler, body: bytes) -> None:
        path = urlparse(handler.path)
        self.requests.append({"method": handler.command, "path": handler.path, "body": body.decode()})
        problem = self._check_authorization(handler, body)
        if problem:
            return self._answer(handler, 401, {"code": "SIGN_ERROR", "message": problem})
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return self._answer(handler, 400, {"code": "PARAM_ERROR", "message": "请求体不是合法的JSON"})
        with self._lock:
            status, answer = self._route(handler.command, path.path, path.query, data)
        self._answer(handler, status, answer)

    def _route(self, method: str, path: str, query: str, data: dict):
        prefix = "/v3/pay/transactions/"
        if method == "POST" and path in (prefix + "jsapi", prefix + "h5", prefix + "native"):
            return self._open(path.rsplit("/", 1)[1], data)
        if path.startswith(prefix + "out-trade-no/"):
            rest = path[len(prefix + "out-trade-no/") :]
            if method == "GET":
                if f"mchid={MCHID}" not in query.split("&"):
                    return 400, {"code": "PARAM_ERROR", "message": "mchid 错误"}
                trade = self.trades.get(rest)
                if trade is None:
                    return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
                return 200, trade.as_json()
            if method == "POST" and rest.endswith("/close"):
                trade = self.trades.get(rest[: -len("/close")])
                if data.get("mchid") != MCHID:
                    return 400, {"code": "PARAM_ERROR", "message": "mchid 错误"}
                if trade is None:
                    return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
                if trade.trade_state == "SUCCESS":
                    return 400, {"code": "ORDERPAID", "message": "订单已支付"}
                trade.trade_state = "CLOSED"
                return 204, None
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(data)
        if method == "GET" and path.startswith("/v3/refund/domestic/refunds/"):
            refund = self.refunds.get(path.rsplit("/", 1)[1])
            if refund is None:
                return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}
            return 200, refund
        if method == "GET" and path == "/v3/bill/tradebill":
            return self._trade_bill(dict(p.split("=", 1) for p in query.split("&") if "=" in p))
        if method == "GET" and path == "/v3/billdownload/file":
            token = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("token", "")
            if token not in self._files:
                return 404, {"code": "NOT_FOUND", "message": "账单文件不存在"}
            return 200, self._files[token]
        return 404, {"code": "NOT_FOUND", "message": "接口不存在"}

    def _open(self, channel: str, data: dict):
        required = ["appid", "mchid", "description", "out_trade_no", "notify_url", "amount"]
        missing = [name for name in required if not data.get(name)]
        if missing:
            return 400, {"code": "PARAM_ERROR", "message": f"输入源“/body/{missing[0]}”映射到字段失败"}
        if data["mchid"] != MCHID or data["appid"] != APPID:
            return 400, {"code": "PARAM_ERROR", "message": "appid和mch_id不匹配"}
        total = data["amount"].get("total")
        if not isinstance(total, int) or total <= 0 or data["amount"].get("currency", "CNY") != "CNY":
            return 400, {"code": "PARAM_ERROR", "message": "订单金额必须为正整数（分）"}
        if channel == "jsapi" and not (data.get("payer") or {}).get("openid"):
            return 400, {"code": "PARAM_ERROR", "message": "JSAPI支付必须传openid"}
        if channel == "h5" and not ((data.get("scene_info") or {}).get("h5_info") or {}).get("type"):
            return 400, {"code": "PARAM_ERROR", "message": "H5支付必须传scene_info.h5_info"}
        no = data["out_trade_no"]
        old = self.trades.get(no)
        if old is not None and (old.params != data or old.channel != channel):
            return 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}
        if old is None:
            self.trades[no] = Trade(out_trade_no=no, channel=channel, params=data)
        token = base64.urlsafe_b64encode(no.encode()).decode().rstrip("=")
        if channel == "jsapi":
            return 200, {"prepay_id": f"wx{token[:30]}"}
        if channel == "h5":
            return 200, {
                "h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx{token[:30]}"
            }
        return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={token[:12]}"}

    BILL_HEADER = (
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
        "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,"
        "商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
    )

    def _trade_bill(self, params: dict):
        """The day's trade bill: one row per successful trade (amounts in 元, each field prefixed
        with a back-quote, as WeChat writes them), then the totals; gzip, with its SHA1."""
        import gzip
        import hashlib

        day = params.get("bill_date", "")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) or params.get("bill_type", "ALL") != "ALL":
            return 400, {"code": "PARAM_ERROR", "message": "bill_date 格式错误"}
        rows = []
        for trade in self.trades.values():
            if trade.trade_state != "SUCCESS" or not trade.success_time.startswith(day):
                continue
            if trade.out_trade_no in self.bill_omit:
                continue
            fen = self.bill_amounts.get(trade.out_trade_no, trade.params["amount"]["total"])
            rows.append(
                {
                    "time": trade.success_time,
                    "transaction_id": trade.transaction_id,
                    "out_trade_no": trade.out_trade_no,
                    "fen": fen,
                    "type": trade.channel.upper(),
                }
            )
        rows += [r for r in self.bill_extra if r["time"].startswith(day)]
        # Refunds of the day: rows of state REFUND with our refund number and the amount asked.
        refunds = []
        for refund in self.refunds.values():
            if not refund["create_time"].startswith(day) or refund["out_refund_no"] in self.bill_omit:
                continue
            trade = self.trades[refund["out_trade_no"]]
            refunds.append(
                {
                    "time": refund["create_time"],
                    "transaction_id": refund["transaction_id"],
                    "out_trade_no": refund["out_trade_no"],
                    "fen": trade.params["amount"]["total"],
                    "type": trade.channel.upper(),
                    "refund_id": refund["refund_id"],
                    "out_refund_no": refund["out_refund_no"],
                    "refund_fen": self.bill_amounts.get(refund["out_refund_no"], refund["amount"]["refund"]),
                }
            )
        lines = [self.BILL_HEADER]
        for r in rows + refunds:
            yuan = f"{r['fen'] / 100:.2f}"
            refunded = f"{r.get('refund_fen', 0) / 100:.2f}"
            fields = [
                r["time"].replace("T", " ")[:19],
                APPID,
                MCHID,
                "0",
                "",
                r["transaction_id"],
                r["out_trade_no"],
                "oPayer",
                r["type"],
                "REFUND" if "refund_id" in r else "SUCCESS",
                "OTHERS",
                "CNY",
                "0.00" if "refund_id" in r else yuan,
                "0.00",
                r.get("refund_id", "0"),
                r.get("out_refund_no", "0"),
                refunded,
                "0.00",
                "ORIGINAL" if "refund_id" in r else "",
                "SUCCESS" if "refund_id" in r else "",
                "物业费",
                "",
                "0.00000",
                "0.60%",
                yuan,
                refunded,
                "",
            ]
            lines.append(",".join("`" + f for f in fields))
        total = sum(r["fen"] for r in rows) / 100
        lines.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
        )
        lines.append(f"`{len(rows)},`{total:.2f},`0.00,`0.00,`0.00000,`{total:.2f},`0.00")
        text = "\r\n".join(lines).encode()
        token = secrets.token_hex(16)
        self._files[token] = gzip.compress(text)
        return 200, {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(text).hexdigest(),  # noqa: S324  (the gateway's own choice)
            "download_url": f"{self.url}/v3/billdownload/file?token={token}",
        }

    def _refund(self, data: dict):
        trade = self.trades.get(data.get("out_trade_no", ""))
        amount = data.get("amount") or {}
        if not data.get("out_refund_no") or not isinstance(amount.get("refund"), int):
            return 400, {"code": "PARAM_ERROR", "message": "缺少参数"}
        if trade is None or trade.trade_state != "SUCCESS":
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
        old = self.refunds.get(data["out_refund_no"])
        if old is not None:
            return 200, old  # the same out_refund_no is one refund
        if amount.get("total") != trade.params["amount"]["total"]:
            return 400, {"code": "INVALID_REQUEST", "message": "订单金额或退款金额与之前请求不一致"}
        if amount["refund"] <= 0 or amount["refund"] > trade.params["amount"]["total"] - trade.refunded:
            return 400, {"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"}
        trade.refunded += amount["refund"]
        refund = {
            "refund_id": f"50300{secrets.randbelow(10**23):023d}",
            "out_refund_no": data["out_refund_no"],
            "transaction_id": trade.transaction_id,
            "out_trade_no": trade.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": _now_rfc3339(),
            "status": "PROCESSING",
            "amount": {
                "total": amount["total"],
                "refund": amount["refund"],
                "payer_total": amount["total"],
                "payer_refund": amount["refund"],
                "settlement_refund": amount["refund"],
                "settlement_total": amount["total"],
                "discount_refund": 0,
                "currency": "CNY",
            },
        }
        self.refunds[data["out_refund_no"]] = refund
        resource = {
            "mchid": MCHID,
            "out_trade_no": trade.out_trade_no,
            "transaction_id": trade.transaction_id,
            "out_refund_no": refund["out_refund_no"],
            "refund_id": refund["refund_id"],
            "refund_status": "SUCCESS",
            "success_time": _now_rfc3339(),
            "user_received_account": "支付用户零钱",
            "amount": {k: refund["amount"][k] for k in ("total", "refund", "payer_total", "payer_refund")},
        }
        self.held.append(self.callback(data.get("notify_url", ""), "REFUND.SUCCESS", "refund", resource))
        return 200, refund

    # What the tests tell it ------------------------------------------------------------------

    def callback(
        self, url: str, event_type: str, original_type: str, resource: dict, *, key=None, apiv3_key=None
    ):
        """A signed callback as the gateway sends it (``key``: sign with another key: forged)."""
        envelope = {
            "id": secrets.token_hex(18),
            "create_time": _now_rfc3339(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if event_type == "TRANSACTION.SUCCESS" else "退款成功",
            "resource": {
                "original_type": original_type,
                **encrypt(json.dumps(resource, ensure_ascii=False), original_type, apiv3_key or APIV3_KEY),
            },
        }
        body = json.dumps(envelope, ensure_ascii=False)
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": PUBLIC_KEY_ID,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Wechatpay-Signature": sign(key or self.keys["platform"], f"{stamp}\n{nonce}\n{body}\n"),
            "Content-Type": "application/json",
        }
        return Callback(url=url, headers=headers, body=body.encode())

    def pay(self, out_trade_no: str, *, repeat: int = 1, drop: bool = False, hold: bool = False) -> Trade:
        """The resident pays: the trade succeeds; its callback is sent ``repeat`` times, dropped,
        or held until ``release()``."""
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade.trade_state == "NOTPAY":
                trade.trade_state = "SUCCESS"
                trade.transaction_id = f"4200{secrets.randbelow(10**24):024d}"
                trade.success_time = _now_rfc3339()
        if drop:
            return trade
        message = self.callback(
            trade.params["notify_url"], "TRANSACTION.SUCCESS", "transaction", trade.as_json()
        )
        if hold:
            self.held.append(message)
            return trade
        for _ in range(repeat):
            self.send(message)
        return trade

    def send(self, message: Callback) -> int:
        status = self.deliver(message.url, message.headers, message.body)
        message.statuses.append(status)
        if not any(m is message for m in self.sent):
            self.sent.append(message)
        return status

    def release(self, *, reverse: bool = False) -> list[int]:
        """Send the held callbacks now (``reverse``: the newest first)."""
        held, self.held = self.held, []
        return [self.send(m) for m in (reversed(held) if reverse else held)]

    @staticmethod
    def _http_post(url: str, headers: dict, body: bytes) -> int:
        import httpx

        return httpx.post(url, headers=headers, content=body, timeout=10).status_code


def django_client_deliver(client):
    """A ``deliver`` that posts through Django's test client (same process, same test database)."""

    def deliver(url: str, headers: dict, body: bytes) -> int:
        path = urlparse(url).path
        meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
        meta.pop("HTTP_CONTENT_TYPE", None)
        return client.post(path, data=body, content_type="application/json", **meta).status_code

    return deliver
