"""Every write of handover (收楼 / 入住) and takeover inspection (接管验收). Keyword-only, one
transaction each (``@service``), permission first; re-exported here:

- ``appointments``: the handover-ready list (marked or imported), appointments, documents, keys and
  meter readings, fees as bills and their payment, the owner's signature, completion.
- ``inspections``: the inspection shared by handovers and takeovers, items, defects (requests to
  engineering or the developer's rectifications) and their re-inspection.
- ``takeovers``: the takeover and its acceptance record signed by the PM.
"""

from guanjia.handover.services.appointments import (
    appointment_bill,
    appointment_book,
    appointment_cancel,
    appointment_complete,
    appointment_pay,
    appointment_record,
    appointment_sign,
    bills,
    outstanding,
    ready_import,
    ready_mark,
)
from guanjia.handover.services.inspections import (
    checklist,
    checklist_set,
    defect_developer_done,
    defect_reinspect,
    inspection_start,
    item_record,
    open_defects,
)
from guanjia.handover.services.takeovers import takeover_accept, takeover_create

__all__ = [
    "appointment_bill",
    "appointment_book",
    "appointment_cancel",
    "appointment_complete",
    "appointment_pay",
    "appointment_record",
    "appointment_sign",
    "bills",
    "checklist",
    "checklist_set",
    "defect_developer_done",
    "defect_reinspect",
    "inspection_start",
    "item_record",
    "open_defects",
    "outstanding",
    "ready_import",
    "ready_mark",
    "takeover_accept",
    "takeover_create",
]
