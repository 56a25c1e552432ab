"""Every write of online payment. Keyword-only, one transaction each (``@service``):

- ``orders``: ``order_open`` (bills chosen, amount computed, bills held), ``order_start`` (opened at
  the gateway, outside the transaction), ``order_close``.
- ``notices``: ``transaction_apply`` posts a paid order exactly once through billing;
  ``refund_result_apply`` records a refund's end.
- ``refunds``: an approved refund of an online payment goes back through the gateway.
- ``sweeps``: the jobs' work (query orders with no callback, close unpaid ones, ask about
  unconfirmed refunds), for every gateway through ``payments.gateway``.
- ``reconcile``: the daily reconciliation (对账) and its resolution by finance.
- ``accounts``: the merchant settings (secrets sealed, never shown again).
"""

from guanjia.payments.services.accounts import ACCOUNT_FIELDS, merchant_account_save
from guanjia.payments.services.notices import refund_result_apply, transaction_apply
from guanjia.payments.services.orders import order_close, order_open, order_open_and_start, order_start
from guanjia.payments.services.reconcile import difference_resolve, reconcile_day, reconcile_yesterday
from guanjia.payments.services.refunds import refund_on_approval, refund_send, resend_pending
from guanjia.payments.services.sweeps import close_expired, query_refunds, query_unnotified

__all__ = [
    "ACCOUNT_FIELDS",
    "close_expired",
    "difference_resolve",
    "merchant_account_save",
    "order_close",
    "order_open",
    "order_open_and_start",
    "order_start",
    "query_refunds",
    "query_unnotified",
    "reconcile_day",
    "reconcile_yesterday",
    "refund_on_approval",
    "refund_result_apply",
    "refund_send",
    "resend_pending",
    "transaction_apply",
]
