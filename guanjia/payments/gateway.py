"""The one interface every gateway's client offers, so the services are written once:

- ``start(cfg, order, *, notify_url, description, return_url, openid, client_ip)`` → the fields
  the phone or the desk needs (``prepay_id``, ``h5_url``, ``code_url``);
- ``query(cfg, out_trade_no)`` → a neutral transaction (``trade_state`` SUCCESS / NOTPAY / CLOSED …,
  ``transaction_id``, ``total_fen``, ``mchid``, ``appid``, ``success_time``) or None;
- ``close(cfg, out_trade_no)``; ``refund(cfg, *, order, refund, notify_url)`` and
  ``refund_query(cfg, *, order, refund)`` → a neutral refund (``status``, ``refund_id``);
- ``trade_bill(cfg, day)`` → (trades, refunds) of the day's bill.

Errors are ``errors.GatewayError`` (refused or unreachable) for every gateway.
"""

from __future__ import annotations

from types import ModuleType

from guanjia.payments import alipay, config, wechat
from guanjia.payments.choices import Provider
from guanjia.payments.errors import CallbackRejected, GatewayError

__all__ = ["CallbackRejected", "GatewayError", "client_of", "for_order"]

_CLIENTS: dict[str, ModuleType] = {Provider.WECHAT: wechat, Provider.ALIPAY: alipay}


def client_of(provider: str) -> ModuleType:
    return _CLIENTS[provider]


def for_order(order) -> tuple[ModuleType, object]:
    """The gateway client and the account an order was opened with."""
    cfg = config.config_for(order.provider, order.company_id, order.project_id)
    if cfg is None:
        raise GatewayError("merchant no longer configured")
    return _CLIENTS[order.provider], cfg
