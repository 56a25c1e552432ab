"""Every write of renovation (装修). Keyword-only, one transaction each (``@service``), permission
first; re-exported here so ``from guanjia.renovation import services`` reaches them all:

- ``applications``: apply, approve / reject (engineering, then the PM for structural or facade
  works), the fees as bills, the permit, workers' passes.
- ``inspections``: the daily patrol lists (job), checks, violations and their rectification, stop
  and resume.
- ``completion``: the completion inspection, deductions, the deposit's refund (four eyes).
"""

from guanjia.renovation.services.applications import (
    fees_paid,
    plan_add,
    renovation_apply,
    renovation_approve,
    renovation_bill,
    renovation_permit,
    renovation_reject,
    worker_add,
    worker_revoke,
)
from guanjia.renovation.services.completion import (
    deducted,
    deduction_record,
    refund_decide,
    refund_request,
    refundable,
    renovation_complete,
)
from guanjia.renovation.services.inspections import (
    in_force,
    make_patrols,
    renovation_resume,
    stop_check,
    violation_record,
    violation_rectify,
)

__all__ = [
    "deducted",
    "deduction_record",
    "fees_paid",
    "in_force",
    "make_patrols",
    "plan_add",
    "refund_decide",
    "refund_request",
    "refundable",
    "renovation_apply",
    "renovation_approve",
    "renovation_bill",
    "renovation_complete",
    "renovation_permit",
    "renovation_reject",
    "renovation_resume",
    "stop_check",
    "violation_record",
    "violation_rectify",
    "worker_add",
    "worker_revoke",
]
