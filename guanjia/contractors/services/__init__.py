"""Every write of the contractors app, split by sub-domain: the register of firms (``register``),
contracts (``contracts``), expiry reminders and the ladder (``reminders``), outsourced people
(``workers``)."""

from guanjia.contractors.services.contracts import (
    contract_activate,
    contract_add_document,
    contract_create,
    contract_decide,
    contract_renew,
    contract_terminate,
    contract_update,
    expire_ended,
)
from guanjia.contractors.services.register import contractor_create, contractor_deactivate, contractor_update
from guanjia.contractors.services.reminders import (
    escalate_undecided,
    remind_expiring,
    reminder_days,
    reminder_days_set,
)
from guanjia.contractors.services.workers import worker_link, worker_unlink

__all__ = [
    "contract_activate",
    "contract_add_document",
    "contract_create",
    "contract_decide",
    "contract_renew",
    "contract_terminate",
    "contract_update",
    "contractor_create",
    "contractor_deactivate",
    "contractor_update",
    "escalate_undecided",
    "expire_ended",
    "remind_expiring",
    "reminder_days",
    "reminder_days_set",
    "worker_link",
    "worker_unlink",
]
