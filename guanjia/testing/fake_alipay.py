"""A local fake of Alipay's open platform gateway (``/gateway.do``) for tests, on 127.0.0.1.

It checks every request as the gateway does: the public parameters (``app_id`` — 40002
isv.invalid-app-id —, ``method`` — isv.invalid-method —, ``charset``, ``sign_type`` RSA2,
``timestamp`` "yyyy-MM-dd HH:mm:ss", ``version`` 1.0), the RSA2 ``sign`` over the sorted
``key=value`` pairs without ``sign`` (SHA256withRSA, verified with the app's public key: 40002
isv.invalid-signature), and each method's ``biz_content`` (40002 isv.missing-… / 40004 ACQ.*).
It answers with Alipay's envelopes — ``{"alipay_trade_query_response": {…}, "sign": "…"}`` — signed
over the exact text of the response node with "Alipay's" private key, as the SDK verifies; errors
of the public parameters come unsigned, as Alipay sends them.

Methods: alipay.trade.precreate (a ``qr_code``), alipay.trade.wap.pay (the phone opens the signed
link: ``open_link``), alipay.trade.query (ACQ.TRADE_NOT_EXIST until the QR is scanned or the page
opened), alipay.trade.close, alipay.trade.refund (``out_request_no`` once), alipay.trade.fastpay.
refund.query, alipay.data.dataservice.bill.downloadurl.query (a zip of GBK CSV files, served at
``bill_download_url``).

Async notifies are Alipay's: a form POST of ``trade_status_sync`` parameters signed with the
same RSA2 rule (without ``sign`` and ``sign_type``). ``pay(out_trade_no)`` stands for the resident
paying; its notify is sent ``repeat`` times, ``drop``ped, or ``hold``-en until ``release()``. A
notify answered with anything but ``success`` counts as not taken.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
import json
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from guanjia.testing.fake_wechatpay import _key, _pem_private, _pem_public

APP_ID = "2021004123456789"
SELLER_ID = "2088621234567890"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
METHODS = {
    "alipay.trade.precreate",
    "alipay.trade.wap.pay",
    "alipay.trade.query",
    "alipay.trade.close",
    "alipay.trade.refund",
    "alipay.trade.fastpay.refund.query",
    "alipay.data.dataservice.bill.downloadurl.query",
}

_KEYS: dict = {}


def keys() -> dict:
    """The app's key pair (the merchant signs requests) and Alipay's (it signs answers and
    notifies), and a forger's; made once per test run."""
    if not _KEYS:
        _KEYS.update(app=_key(), alipay=_key(), forger=_key())
    return _KEYS


def settings_for_app() -> dict:
    """What the deployment's environment (or the settings page) holds for this fake's app."""
    k = keys()
    return {
        "app_id": APP_ID,
        "private_key": _pem_private(k["app"]),
        "public_key": _pem_public(k["alipay"]),
        "seller_id": SELLER_ID,
    }


def sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def unsigned_string(params: dict) -> str:
    """Alipay's rule: every parameter but ``sign`` (and, for notifies, ``sign_type``), sorted by
    name, ``key=value`` joined by ``&``, values as they are (not URL-encoded), empty ones left out."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def _now() -> str:
    return datetime.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


@dataclass
class Trade:
    out_trade_no: str
    channel: str  # wap / qr
    biz: dict
    notify_url: str
    created: bool = False  # Alipay makes the trade when the buyer scans or opens the page
    trade_status: str = "WAIT_BUYER_PAY"
    trade_no: str = ""
    gmt_create: str = ""
    gmt_payment: str = ""
    refunded_fen: int = 0

    @property
    def total_fen(self) -> int:
        return int(Decimal(self.biz["total_amount"]) * 100)


@dataclass
class Notify:
    url: str
    params: dict
    answers: list = field(default_factory=list)


class FakeAlipay:
    """``with FakeAlipay(deliver=…) as gw:``; ``gw.gateway`` is the URL to configure.
    ``deliver(url, params) -> (status, body)`` sends an async notify (default: an HTTP POST)."""

    def __init__(self, deliver=None):
        self.keys = keys()
        self.trades: dict[str, Trade] = {}
        self.refunds: dict[tuple[str, str], dict] = {}
        self.requests: list[dict] = []
        self.held: list[Notify] = []
        self.sent: list[Notify] = []
        self.deliver = deliver or self._http_post
        # The trade bill can be told to differ from the truth.
        self.bill_extra: list[
            dict
        ] = []  # rows: {"kind": 交易/退款, "trade_no", "out_trade_no", "fen", "request_no"}
        self.bill_amounts: dict[str, int] = {}  # out_trade_no (or refund request no) → fen shown
        self.bill_omit: set[str] = set()  # out_trade_no / refund request no left out
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
        self.gateway = f"{self.url}/gateway.do"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # The wire ---------------------------------------------------------------------------------

    def _send(self, handler, status: int, body: bytes, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _envelope(self, method: str, node: dict, *, signed: bool = True) -> bytes:
        """``{"<method>_response": {…}, "sign": "…"}``: the signature is over the node's text."""
        name = method.replace(".", "_") + "_response"
        text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
        body = f'{{"{name}":{text}'
        if signed:
            body += f',"sign":"{sign(self.keys["alipay"], text)}"'
        return (body + "}").encode()

    def _handle(self, handler, body: bytes) -> None:
        path = urlparse(handler.path)
        if path.path == "/downloadBillFile.resource":
            token = dict(parse_qsl(path.query)).get("fileId", "")
            if token not in self._files:
                return self._send(handler, 404, "账单文件不存在".encode(), "text/plain; charset=utf-8")
            return self._send(handler, 200, self._files[token], "application/zip")
        if path.path != "/gateway.do":
            return self._send(handler, 404, b"", "text/plain")
        params = dict(parse_qsl(path.query, keep_blank_values=True))
        if body:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        self.requests.append(params)
        method = params.get("method", "")
        problem = self._check_public(params)
        if problem:
            code, sub_code, sub_msg = problem
            node = {"code": code, "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}
            name = method if method in METHODS else "error"
            if name == "error":
                data = json.dumps({"error_response": node}, ensure_ascii=False).encode()
            else:
                data = self._envelope(name, node, signed=False)
            return self._send(handler, 200, data, "text/html;charset=utf-8")
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            biz = None
        if not isinstance(biz, dict):
            node = {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-parameter",
                "sub_msg": "参数无效：biz_content",
            }
            return self._send(
                handler, 200, self._envelope(method, node, signed=False), "text/html;charset=utf-8"
            )
        with self._lock:
            if method == "alipay.trade.wap.pay":
                return self._open_wap(handler, params, biz)
            node = self._route(method, params, biz)
        self._send(handler, 200, self._envelope(method, node), "text/html;charset=utf-8")

    def _check_public(self, params: dict):
        """None when the public parameters and the signature are right, else (code, sub_code, msg)."""
        for name in ("app_id", "method", "charset", "sign_type", "sign", "timestamp", "version"):
            if not params.get(name):
                return "40001", f"isv.missing-{name.replace('_', '-')}", f"缺少{name}参数"
        if params["method"] not in METHODS:
            return "40002", "isv.invalid-method", "不存在的方法名"
        if params["app_id"] != APP_ID:
            return "40002", "isv.invalid-app-id", "无效的AppID参数"
        if params["sign_type"] != "RSA2":
            return "40002", "isv.invalid-signature-type", "无效的签名类型"
        if params["charset"].lower() != "utf-8" or params["version"] != "1.0":
            return "40002", "isv.invalid-charset", "字符集或版本错误"
        try:
            datetime.datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return "40002", "isv.invalid-timestamp", "非法的时间戳参数"
        try:
            signature = base64.b64decode(params["sign"])
            self.keys["app"].public_key().verify(
                signature, unsigned_string(params).encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return (
                "40002",
                "isv.invalid-signature",
                "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："
                + unsigned_string(params)[:200],
            )
        return None

    @staticmethod
    def _fail(sub_code: str, sub_msg: str, **extra) -> dict:
        return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg, **extra}

    def _route(self, method: str, params: dict, biz: dict) -> dict:
        if method == "alipay.trade.precreate":
            return self._precreate(params, biz)
        if method == "alipay.data.dataservice.bill.downloadurl.query":
            return self._bill_url(biz)
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if not biz.get("out_trade_no") and not biz.get("trade_no"):
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.missing-out-trade-no"}
        if trade is None or not trade.created:
            return self._fail("ACQ.TRADE_NOT_EXIST", "交易不存在", out_trade_no=biz.get("out_trade_no", ""))
        if method == "alipay.trade.query":
            return {
                "code": "10000",
                "msg": "Success",
                "trade_no": trade.trade_no,
                "out_trade_no": trade.out_trade_no,
                "buyer_logon_id": "159****5620",
                "trade_status": trade.trade_status,
                "total_amount": trade.biz["total_amount"],
                "buyer_pay_amount": trade.biz["total_amount"] if trade.gmt_payment else "0.00",
                "receipt_amount": trade.biz["total_amount"] if trade.gmt_payment else "0.00",
                **({"send_pay_date": trade.gmt_payment} if trade.gmt_payment else {}),
                "buyer_user_id": "2088102177846880",
            }
        if method == "alipay.trade.close":
            if trade.trade_status != "WAIT_BUYER_PAY":
                return self._fail("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            trade.trade_status = "TRADE_CLOSED"
            return {
                "code": "10000",
                "msg": "Success",
                "trade_no": trade.trade_no,
                "out_trade_no": trade.out_trade_no,
            }
        if method == "alipay.trade.refund":
            return self._refund(trade, biz)
        return self._refund_query(trade, biz)

    def _precreate(self, params: dict, biz: dict) -> dict:
        for name in ("out_trade_no", "total_amount", "subject"):
            if not biz.get(name):
                return {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": f"isv.missing-{name.replace('_', '-')}",
                    "sub_msg": f"缺少必选参数{name}",
                }
        problem = self._check_amount(biz)
        if problem:
            return problem
        old = self.trades.get(biz["out_trade_no"])
        if old is not None and old.biz["total_amount"] != biz["total_amount"]:
            return self._fail("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        if old is None:
            self.trades[biz["out_trade_no"]] = Trade(
                out_trade_no=biz["out_trade_no"],
                channel="qr",
                biz=biz,
                notify_url=params.get("notify_url", ""),
            )
        token = secrets.token_hex(10)
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": biz["out_trade_no"],
            "qr_code": f"https://qr.alipay.com/bax0{token}",
        }

    @staticmethod
    def _check_amount(biz: dict) -> dict | None:
        try:
            amount = Decimal(str(biz["total_amount"]))
        except ArithmeticError:
            amount = Decimal(-1)
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            return {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-parameter",
                "sub_msg": "参数无效：total_amount",
            }
        return None

    def _open_wap(self, handler, params: dict, biz: dict) -> None:
        """The phone opened the signed pay link: Alipay's cashier page (the trade now exists)."""
        problem = self._check_amount(biz) if biz.get("total_amount") else {"sub_msg": "缺少total_amount"}
        if problem or biz.get("product_code") != "QUICK_WAP_PAY" or not biz.get("out_trade_no"):
            page = f"<html><body>错误代码 invalid-parameter {problem or ''}</body></html>".encode()
            return self._send(handler, 200, page, "text/html;charset=utf-8")
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None:
            trade = self.trades[biz["out_trade_no"]] = Trade(
                out_trade_no=biz["out_trade_no"],
                channel="wap",
                biz=biz,
                notify_url=params.get("notify_url", ""),
            )
        self._create(trade)
        page = (
            f"<html><head><title>支付宝收银台</title></head><body><h1>{biz.get('subject', '')}</h1>"
            f"<p data-testid='alipay-amount'>{biz['total_amount']}</p></body></html>"
        ).encode()
        self._send(handler, 200, page, "text/html;charset=utf-8")

    def _create(self, trade: Trade) -> None:
        if not trade.created:
            trade.created = True
            trade.trade_no = f"{datetime.datetime.now(SHANGHAI):%Y%m%d}22001{secrets.randbelow(10**15):015d}"
            trade.gmt_create = _now()

    def _refund(self, trade: Trade, biz: dict) -> dict:
        request_no = biz.get("out_request_no") or trade.out_trade_no
        try:
            fen = int(Decimal(str(biz.get("refund_amount"))) * 100)
        except ArithmeticError:
            fen = 0
        old = self.refunds.get((trade.out_trade_no, request_no))
        base = {
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "159****5620",
            "buyer_user_id": "2088102177846880",
        }
        if old is not None:
            if old["fen"] != fen:
                return self._fail("ACQ.REFUND_AMT_RESTRICTION", "退款金额与之前请求不一致")
            return {
                "code": "10000",
                "msg": "Success",
                **base,
                "fund_change": "N",
                "refund_fee": _yuan(trade.refunded_fen),
                "gmt_refund_pay": old["at"],
            }
        if trade.trade_status not in ("TRADE_SUCCESS",):
            return self._fail("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if fen <= 0 or fen > trade.total_fen - trade.refunded_fen:
            return self._fail("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        trade.refunded_fen += fen
        at = _now()
        self.refunds[(trade.out_trade_no, request_no)] = {
            "fen": fen,
            "at": at,
            "request_no": request_no,
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
        }
        if trade.refunded_fen == trade.total_fen:
            trade.trade_status = "TRADE_CLOSED"
        # Alipay also tells the notify_url: a trade_status_sync carrying the refund.
        notify = self.notify_for(
            trade,
            refund={"out_biz_no": request_no, "refund_fee": _yuan(trade.refunded_fen), "gmt_refund": at},
        )
        self.held.append(notify)
        return {
            "code": "10000",
            "msg": "Success",
            **base,
            "fund_change": "Y",
            "refund_fee": _yuan(trade.refunded_fen),
            "gmt_refund_pay": at,
        }

    def _refund_query(self, trade: Trade, biz: dict) -> dict:
        request_no = biz.get("out_request_no") or trade.out_trade_no
        refund = self.refunds.get((trade.out_trade_no, request_no))
        answer = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "out_request_no": request_no,
        }
        if refund is None:
            return answer  # no such refund: a success with no refund_amount, as Alipay answers
        return {
            **answer,
            "total_amount": trade.biz["total_amount"],
            "refund_amount": _yuan(refund["fen"]),
            "refund_status": "REFUND_SUCCESS",
            "gmt_refund_pay": refund["at"],
        }

    # The trade bill -----------------------------------------------------------------------------

    HEADER = (
        "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
        "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
        "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
    )

    def _bill_rows(self, day: str) -> list[dict]:
        rows = []
        for trade in self.trades.values():
            if trade.gmt_payment.startswith(day) and trade.out_trade_no not in self.bill_omit:
                rows.append(
                    {
                        "kind": "交易",
                        "trade_no": trade.trade_no,
                        "out_trade_no": trade.out_trade_no,
                        "fen": self.bill_amounts.get(trade.out_trade_no, trade.total_fen),
                        "request_no": "",
                        "subject": trade.biz.get("subject", ""),
                        "total": trade.total_fen,
                        "at": trade.gmt_payment,
                    }
                )
        for refund in self.refunds.values():
            if refund["at"].startswith(day) and refund["request_no"] not in self.bill_omit:
                trade = self.trades[refund["out_trade_no"]]
                rows.append(
                    {
                        "kind": "退款",
                        "trade_no": refund["trade_no"],
                        "out_trade_no": refund["out_trade_no"],
                        "fen": -self.bill_amounts.get(refund["request_no"], refund["fen"]),
                        "request_no": refund["request_no"],
                        "subject": trade.biz.get("subject", ""),
                        "total": trade.total_fen,
                        "at": refund["at"],
                    }
                )
        for extra in self.bill_extra:
            rows.append(
                {
                    "subject": "物业费",
                    "at": f"{day} 12:00:00",
                    "request_no": "",
                    "total": abs(extra["fen"]),
                    **extra,
                }
            )
        return rows

    def bill_zip(self, day: str) -> bytes:
        """The day's bill as Alipay gives it: a zip of two GBK CSV files, the detail (业务明细) and
        the summary (业务明细(汇总)), each framed by ``#`` lines."""
        rows = self._bill_rows(day)
        compact = day.replace("-", "")
        out = io.StringIO()
        out.write("#支付宝业务明细查询\r\n")
        out.write(f"#账号：[{SELLER_ID}0156]\r\n")
        out.write(
            f"#起始日期：[{day[:4]}年{day[5:7]}月{day[8:]}日 00:00:00]   终止日期：[{day[:4]}年{day[5:7]}月{day[8:]}日 23:59:59]\r\n"
        )
        out.write(
            "#-----------------------------------------业务明细列表----------------------------------------\r\n"
        )
        out.write(self.HEADER + "\r\n")
        writer = csv.writer(out, lineterminator="\r\n")
        for r in rows:
            writer.writerow(
                [
                    r["trade_no"] + "\t",
                    r["out_trade_no"] + "\t",
                    r["kind"],
                    r["subject"],
                    r["at"],
                    r["at"],
                    "",
                    "",
                    "",
                    "",
                    "159****5620",
                    _yuan(r["total"]),
                    _yuan(r["fen"]),
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "",
                    "0.00",
                    "0.00",
                    r["request_no"] + ("\t" if r["request_no"] else ""),
                    f"{-abs(r['fen']) * 6 / 100000:.2f}",
                    "0.00",
                    "",
                ]
            )
        out.write(
            "#-----------------------------------------业务明细列表结束------------------------------------\r\n"
        )
        trades = sum(1 for r in rows if r["kind"] == "交易")
        out.write(
            f"#交易合计：{trades}笔，商家实收共{_yuan(sum(r['fen'] for r in rows if r['kind'] == '交易'))}元；"
            f"退款合计：{len(rows) - trades}笔\r\n"
        )
        out.write(f"#导出时间：[{_now()}]\r\n")
        summary = "#支付宝业务汇总查询\r\n门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）\r\n"
        summary += f"合计,,{trades},{len(rows) - trades},{_yuan(sum(r['fen'] for r in rows))}\r\n"
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{SELLER_ID}0156_{compact}_业务明细.csv", out.getvalue().encode("gbk"))
            archive.writestr(f"{SELLER_ID}0156_{compact}_业务明细(汇总).csv", summary.encode("gbk"))
        return data.getvalue()

    def _bill_url(self, biz: dict) -> dict:
        day = str(biz.get("bill_date", ""))
        if biz.get("bill_type") not in ("trade", "signcustomer"):
            return {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-parameter",
                "sub_msg": "参数无效：bill_type",
            }
        try:
            datetime.date.fromisoformat(day)
        except ValueError:
            return {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-parameter",
                "sub_msg": "参数无效：bill_date",
            }
        if day >= datetime.datetime.now(SHANGHAI).date().isoformat() and not self.bill_same_day:
            return self._fail("isp.bill_not_exist", "账单不存在")
        token = secrets.token_hex(16)
        self._files[token] = self.bill_zip(day)
        return {
            "code": "10000",
            "msg": "Success",
            "bill_download_url": f"{self.url}/downloadBillFile.resource?bizType=trade&fileId={token}",
        }

    bill_same_day = True  # tests reconcile today; Alipay itself gives a day's bill the day after

    # What the tests tell it ------------------------------------------------------------------

    def open_link(self, link: str) -> int:
        """The resident's phone opens the signed pay link (alipay.trade.wap.pay)."""
        import httpx

        return httpx.get(link, timeout=10).status_code

    def scan(self, out_trade_no: str) -> Trade:
        """The resident scans the QR code: Alipay now has the trade, waiting for payment."""
        with self._lock:
            trade = self.trades[out_trade_no]
            self._create(trade)
        return trade

    def notify_for(self, trade: Trade, *, refund: dict | None = None, key=None, **changes) -> Notify:
        """A signed trade_status_sync notify as Alipay sends it (``key``: signed by someone else)."""
        params = {
            "notify_time": _now(),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "charset": "utf-8",
            "version": "1.0",
            "app_id": APP_ID,
            "auth_app_id": APP_ID,
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_id": "2088102177846880",
            "buyer_logon_id": "159****5620",
            "seller_id": SELLER_ID,
            "seller_email": "wy***@example.com",
            "trade_status": trade.trade_status,
            "total_amount": trade.biz["total_amount"],
            "receipt_amount": trade.biz["total_amount"],
            "invoice_amount": trade.biz["total_amount"],
            "buyer_pay_amount": trade.biz["total_amount"],
            "point_amount": "0.00",
            "subject": trade.biz.get("subject", ""),
            "gmt_create": trade.gmt_create,
            "gmt_payment": trade.gmt_payment,
            "fund_bill_list": json.dumps(
                [{"amount": trade.biz["total_amount"], "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")
            ),
            **(refund or {}),
            **changes,
        }
        params = {k: v for k, v in params.items() if v != ""}
        message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["sign"] = sign(key or self.keys["alipay"], message)
        params["sign_type"] = "RSA2"
        return Notify(url=trade.notify_url, params=params)

    def pay(self, out_trade_no: str, *, repeat: int = 1, drop: bool = False, hold: bool = False) -> Trade:
        """The resident pays (scanning first if need be): TRADE_SUCCESS; its notify is sent
        ``repeat`` times, dropped, or held until ``release()``."""
        with self._lock:
            trade = self.trades[out_trade_no]
            self._create(trade)
            if trade.trade_status == "WAIT_BUYER_PAY":
                trade.trade_status = "TRADE_SUCCESS"
                trade.gmt_payment = _now()
        if drop:
            return trade
        message = self.notify_for(trade)
        if hold:
            self.held.append(message)
            return trade
        for _ in range(repeat):
            self.send(message)
        return trade

    def send(self, message: Notify) -> str:
        status, body = self.deliver(message.url, message.params)
        answer = body if status == 200 else f"HTTP {status}"
        message.answers.append(answer)
        if not any(m is message for m in self.sent):
            self.sent.append(message)
        return answer

    def release(self, *, reverse: bool = False) -> list[str]:
        """Send the held notifies now (``reverse``: the newest first)."""
        held, self.held = self.held, []
        return [self.send(m) for m in (reversed(held) if reverse else held)]

    @staticmethod
    def _http_post(url: str, params: dict) -> tuple[int, str]:
        import httpx

        response = httpx.post(url, data=params, timeout=10)
        return response.status_code, response.text


def django_client_deliver(client):
    """A ``deliver`` that posts the form through Django's test client (same test database)."""

    def deliver(url: str, params: dict) -> tuple[int, str]:
        response = client.post(urlparse(url).path, data=params)
        return response.status_code, response.content.decode()

    return deliver


def form_body(params: dict) -> str:
    """The notify as the bytes on the wire (for tests that tamper with it)."""
    return "&".join(f"{k}={quote_plus(v)}" for k, v in params.items())
