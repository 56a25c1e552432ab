"""Alipay (支付宝开放平台) through the ``python-alipay-sdk`` SDK (import ``alipay``): phone web pay
(alipay.trade.wap.pay: a signed link to the gateway's cashier), QR pay (alipay.trade.precreate: a
``qr_code`` to show), query, close, refund and refund query, the daily trade bill's download link
(alipay.data.dataservice.bill.downloadurl.query) and the bill itself (a zip of GBK CSV files).

Every request is signed by the SDK with the app's private key (RSA2: SHA256withRSA over the sorted
``key=value`` pairs); every answer's ``sign`` is verified by the SDK with Alipay's public key over
the exact text of its ``<method>_response`` node before it is believed. Async notifies
(``verify_notify``) are verified the same way over their sorted parameters without ``sign`` and
``sign_type``.

What comes back is turned into the gateway-neutral shapes the services read (``txn``: a trade's
state, amount in 分, …; ``refund``: a refund's state), so notices, sweeps, refunds and the
reconciliation are written once for every gateway.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from urllib.request import urlopen

from django.conf import settings
from django.utils import timezone

from guanjia.payments.config import AlipayConfig
from guanjia.payments.errors import CallbackRejected, GatewayError

SUCCESS = "10000"
NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
# Alipay's trade states in the neutral words the services use.
_STATES = {
    "TRADE_SUCCESS": "SUCCESS",
    "TRADE_FINISHED": "SUCCESS",  # paid, and past the refund period
    "WAIT_BUYER_PAY": "NOTPAY",
    "TRADE_CLOSED": "CLOSED",  # unpaid and closed, or paid and refunded in full
}

if TYPE_CHECKING:
    from alipay import AliPay


def client(cfg: AlipayConfig, *, notify_url: str | None = None) -> AliPay:
    # The SDK (~24 MB with pycryptodome) is loaded by the first payment, not by every worker at start.
    from alipay import AliPay
    from alipay.utils import AliPayConfig

    pay = AliPay(
        appid=cfg.app_id,
        app_notify_url=notify_url,
        app_private_key_string=cfg.private_key,
        alipay_public_key_string=cfg.public_key,
        sign_type="RSA2",
        config=AliPayConfig(timeout=settings.GUANJIA_ALIPAY_TIMEOUT),
    )
    # The SDK knows only the production and sandbox gateways: the tests' fake, or a proxy.
    pay._gateway = cfg.gateway
    return pay


def _call(func, *args, **kwargs) -> dict:
    """An API answer whose signature verified; a ``code`` other than 10000 is the gateway's no."""
    try:
        answer = func(*args, **kwargs)
    except Exception as exc:  # network, an unsigned error answer, or a signature that failed
        raise GatewayError(_reason(exc)) from exc
    return answer


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "{" in text:  # AliPayException: code:40002, message:{"…_response":{…}}
        try:
            node = next(iter(json.loads(text[text.index("{") :]).values()))
            return (
                f"{node.get('code')} {node.get('sub_code', '')}: {node.get('sub_msg', node.get('msg', ''))}"[
                    :200
                ]
            )
        except (ValueError, AttributeError, StopIteration):
            pass
    return text[:200] or exc.__class__.__name__


def _fail(answer: dict) -> GatewayError:
    return GatewayError(
        f"{answer.get('code')} {answer.get('sub_code', '')}: {answer.get('sub_msg', answer.get('msg', ''))}"[
            :200
        ],
        answer.get("sub_code", "") or answer.get("code", ""),
    )


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen(amount) -> int | None:
    """An amount in 元 as Alipay writes it ("447.50") in 分; None when it is not one."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, TypeError):
        return None
    if value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def _expire(order) -> str:
    return timezone.localtime(order.expires_at).strftime("%Y-%m-%d %H:%M:%S")


def start(
    cfg: AlipayConfig, order, *, notify_url: str, description: str, return_url: str = "", **_ignored
) -> dict:
    """Open the order: phone web pay gives the gateway link the phone opens (``h5_url``), QR pay
    the ``qr_code`` to show (``code_url``)."""
    pay = client(cfg, notify_url=notify_url)
    common = {
        "subject": description[:256],
        "out_trade_no": order.out_trade_no,
        "total_amount": yuan(order.total_fen),
        "time_expire": _expire(order),
    }
    if order.channel == "alipay_wap":
        query = pay.api_alipay_trade_wap_pay(
            return_url=return_url or None, notify_url=notify_url, quit_url=return_url or None, **common
        )
        return {"h5_url": f"{cfg.gateway}?{query}"}
    answer = _call(pay.api_alipay_trade_precreate, notify_url=notify_url, **common)
    if answer.get("code") != SUCCESS or not answer.get("qr_code"):
        raise _fail(answer)
    return {"code_url": answer["qr_code"]}


def as_txn(cfg: AlipayConfig, data: dict) -> dict:
    """A trade (a query's answer or a notify) in the services' words."""
    paid = data.get("gmt_payment") or data.get("send_pay_date") or ""
    return {
        "out_trade_no": str(data.get("out_trade_no", "")),
        "transaction_id": str(data.get("trade_no", "")),
        "trade_state": _STATES.get(str(data.get("trade_status", "")), str(data.get("trade_status", ""))),
        "appid": str(data.get("app_id", cfg.app_id)),
        "mchid": str(data.get("seller_id") or cfg.mchid),
        "total_fen": fen(data.get("total_amount")),
        "currency": "CNY",
        "success_time": _local(paid),
    }


def _local(text: str) -> str:
    """Alipay's "yyyy-MM-dd HH:mm:ss" (Beijing time) as an ISO time with its offset."""
    try:
        moment = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return ""
    return timezone.make_aware(moment, timezone.get_fixed_timezone(480)).isoformat()


def query(cfg: AlipayConfig, out_trade_no: str) -> dict | None:
    """The gateway's view of an order, or None when it has no such trade (a QR not yet scanned,
    a pay page never opened: Alipay makes the trade only then)."""
    answer = _call(client(cfg).api_alipay_trade_query, out_trade_no=out_trade_no)
    if answer.get("sub_code") == NOT_EXIST:
        return None
    if answer.get("code") != SUCCESS:
        raise _fail(answer)
    answer.setdefault("app_id", cfg.app_id)
    return as_txn(cfg, answer)


def close(cfg: AlipayConfig, out_trade_no: str) -> None:
    """Close the trade; one Alipay never made (never scanned) is as good as closed."""
    answer = _call(client(cfg).api_alipay_trade_close, out_trade_no=out_trade_no)
    if answer.get("code") != SUCCESS and answer.get("sub_code") != NOT_EXIST:
        raise _fail(answer)


def refund(cfg: AlipayConfig, *, order, refund, **_ignored) -> dict:
    """Refund through alipay.trade.refund; ``out_request_no`` makes a re-send one refund there."""
    answer = _call(
        client(cfg).api_alipay_trade_refund,
        refund_amount=yuan(int(refund.amount * 100)),
        out_trade_no=order.out_trade_no,
        out_request_no=refund.out_refund_no,
        refund_reason="物业费退款",
    )
    if answer.get("code") != SUCCESS:
        raise _fail(answer)
    # Synchronous: 10000 is the refund done (fund_change N on a repeat of one already done).
    return {"status": "SUCCESS", "refund_id": str(answer.get("trade_no", ""))}


def refund_query(cfg: AlipayConfig, *, order, refund) -> dict | None:
    """alipay.trade.fastpay.refund.query: None when Alipay has no such refund (it never arrived)."""
    answer = _call(
        client(cfg).api_alipay_trade_fastpay_refund_query,
        out_request_no=refund.out_refund_no,
        out_trade_no=order.out_trade_no,
    )
    if answer.get("code") != SUCCESS:
        raise _fail(answer)
    if not answer.get("refund_amount"):
        return None
    status = "SUCCESS" if answer.get("refund_status", "REFUND_SUCCESS") == "REFUND_SUCCESS" else "PROCESSING"
    return {
        "status": status,
        "refund_fen": fen(answer["refund_amount"]),
        "refund_id": str(answer.get("trade_no", "")),
    }


def verify_notify(cfg: AlipayConfig, params: dict) -> dict:
    """An async notify's parameters once believed, or ``CallbackRejected``: RSA2 over the sorted
    ``key=value`` pairs without ``sign`` and ``sign_type`` (values as received, URL-decoded), with
    Alipay's public key; then it must be for our app."""
    params = dict(params)
    signature = params.pop("sign", "")
    if params.get("sign_type", "RSA2") != "RSA2":
        raise CallbackRejected("unsupported sign_type")
    params.pop("sign_type", None)
    if not signature:
        raise CallbackRejected("no sign")
    try:
        good = client(cfg).verify(dict(params), signature)
    except Exception as exc:
        raise CallbackRejected(f"unreadable: {exc}"[:200]) from exc
    if not good:
        raise CallbackRejected("signature verification failed")
    if params.get("app_id") != cfg.app_id:
        raise CallbackRejected("app_id is not ours")
    if cfg.seller_id and params.get("seller_id") not in (None, cfg.seller_id):
        raise CallbackRejected("seller_id is not ours")
    return params


# The trade bill ---------------------------------------------------------------------------------

DETAIL = "业务明细.csv"


def trade_bill(cfg: AlipayConfig, day: datetime.date) -> tuple[dict, dict]:
    """The day's trade bill: (trades, refunds). trades: trade no → (out_trade_no, amount in 元);
    refunds: out_request_no → (out_trade_no, amount in 元)."""
    answer = _call(
        client(cfg).server_api,
        "alipay.data.dataservice.bill.downloadurl.query",
        biz_content={"bill_type": "trade", "bill_date": day.isoformat()},
    )
    if answer.get("code") != SUCCESS or not answer.get("bill_download_url"):
        raise _fail(answer)
    try:
        with urlopen(answer["bill_download_url"], timeout=settings.GUANJIA_ALIPAY_TIMEOUT) as response:  # noqa: S310
            content = response.read()
        archive = zipfile.ZipFile(io.BytesIO(content))
        name = next(n for n in archive.namelist() if n.endswith(DETAIL))
        text = archive.read(name).decode("gbk")
    except Exception as exc:
        raise GatewayError(f"trade bill download: {exc}"[:200]) from exc
    return parse_bill(text)


def parse_bill(text: str) -> tuple[dict, dict]:
    """The 业务明细 CSV: comment lines start with ``#``; every field may carry trailing tabs."""
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not rows:
        return {}, {}
    reader = csv.reader(rows)
    header = [h.strip() for h in next(reader)]
    index = {name: i for i, name in enumerate(header)}
    trades, refunds = {}, {}
    for fields in reader:
        fields = [f.strip() for f in fields]
        if len(fields) < len(header):
            continue
        kind = fields[index["业务类型"]]
        try:
            amount = abs(Decimal(fields[index["商家实收（元）"]]))
        except InvalidOperation:
            raise GatewayError("unreadable trade bill amount") from None
        if kind == "交易":
            trades[fields[index["支付宝交易号"]]] = (fields[index["商户订单号"]], amount)
        elif kind == "退款":
            refunds[fields[index["退款批次号/请求号"]]] = (fields[index["商户订单号"]], amount)
    return trades, refunds
