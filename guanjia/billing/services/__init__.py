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
from guanjia.billing.services.online import payment_post_gateway
from guanjia.billing.services.payments import PAYMENT_FIELDS, payment_post, refundable

__all__ = [
    "ITEM_FIELDS",
    "PAYMENT_FIELDS",
    "PERIOD_RE",
    "RATE_FIELDS",
    "bill_one_off",
    "bill_remind",
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
    "generate_due_bills",
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
    "unit_charge_create",
    "unit_charge_delete",
    "visit_book",
    "visit_close",
]
