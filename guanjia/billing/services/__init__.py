"""Every write of fees. Keyword-only, one transaction each (``@service``), permission first.

One module per part of the business; every name is re-exported here, so
``from guanjia.billing.services import X`` and ``services.X`` keep working:

- ``charges``: charge items, project rates, unit registrations (master data, journaled) and meter
  readings.
- ``bills``: ``bills_generate``, one bill per unit and month, exactly once (project row lock + unique
  constraint); one-off bills; the monthly job.
- ``payments``: ``payment_post``, exactly once per idempotency key (and per transfer/online reference);
  the unit's row lock serialises two cashiers; allocated to the oldest open bills first; the rest is
  credit. Receipts from a per-project counter.
- ``corrections``: refunds and adjustments are asked for (``correction_request``) and decided by
  someone else (``correction_decide``); only an approved one writes ledger entries.
- ``collection``: door-to-door visits, reminders of arrears (the daily job) and by hand (``bill_remind``).
- ``loops``: a paid service confirmed on a request becomes a bill once (reversed by an adjustment
  when the request is cancelled); the pay-by-satisfaction (买单式) result applied to the management
  fee of the months it governs, once per bill.
- ``late_fees``: 滞纳金, off by default; a pure function of the ledger's history, written by a daily
  job as the difference to what it wrote before; waivers through ``corrections``.
- ``invoices``: 电子发票 requests, issued through ``billing.invoicing`` or marked issued by hand.
- ``common``: the present, periods, money, and the one way a ledger entry is written. The ledger is
  append-only: nothing here updates or deletes a ``LedgerEntry``.
"""

from guanjia.billing.services.bills import (
    bill_one_off,
    bills_generate,
    bills_generate_scheduled,
    generate_due_bills,
)
from guanjia.billing.services.charges import (
    ITEM_FIELDS,
    RATE_FIELDS,
    charge_item_create,
    charge_item_delete,
    charge_item_update,
    project_charge_create,
    project_charge_delete,
    project_charge_update,
    reading_delete,
    reading_record,
    unit_charge_create,
    unit_charge_delete,
)
from guanjia.billing.services.collection import (
    bill_remind,
    bills_bulk_remind,
    remind_arrears,
    visit_book,
    visit_close,
)
from guanjia.billing.services.common import (
    PERIOD_RE,
    check_period,
    current_period,
    period_end,
    previous_period,
)
from guanjia.billing.services.corrections import correction_decide, correction_request
from guanjia.billing.services.invoices import (
    invoice_issue,
    invoice_mark_issued,
    invoice_reject,
    invoice_request,
    invoiceable,
)
from guanjia.billing.services.late_fees import late_fee_due, late_fee_policy_set, late_fees_accrue, waivable
from guanjia.billing.services.loops import (
    bill_confirmed_charges_scheduled,
    bill_ticket_charges,
    fee_settlements_apply,
    fee_settlements_scheduled,
    reverse_ticket_bill,
)
from guanjia.billing.services.online import payment_post_gateway
from guanjia.billing.services.payments import PAYMENT_FIELDS, payment_post, refundable

__all__ = [
    "ITEM_FIELDS",
    "PAYMENT_FIELDS",
    "PERIOD_RE",
    "RATE_FIELDS",
    "bill_confirmed_charges_scheduled",
    "bill_one_off",
    "bill_remind",
    "bill_ticket_charges",
    "bills_bulk_remind",
    "bills_generate",
    "bills_generate_scheduled",
    "charge_item_create",
    "charge_item_delete",
    "charge_item_update",
    "check_period",
    "correction_decide",
    "correction_request",
    "current_period",
    "fee_settlements_apply",
    "fee_settlements_scheduled",
    "generate_due_bills",
    "invoice_issue",
    "invoice_mark_issued",
    "invoice_reject",
    "invoice_request",
    "invoiceable",
    "late_fee_due",
    "late_fee_policy_set",
    "late_fees_accrue",
    "payment_post",
    "payment_post_gateway",
    "period_end",
    "previous_period",
    "project_charge_create",
    "project_charge_delete",
    "project_charge_update",
    "reading_delete",
    "reading_record",
    "refundable",
    "remind_arrears",
    "reverse_ticket_bill",
    "unit_charge_create",
    "unit_charge_delete",
    "visit_book",
    "visit_close",
    "waivable",
]
