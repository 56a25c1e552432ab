"""Every change of quality records. Keyword-only, one transaction each (``@service``), permission first.

One module per part of the business; every name is re-exported here, so
``from guanjia.quality.services import X`` and ``services.X`` keep working:

- ``checklists``: checklist templates built from rows (the seed's table is the default), versions,
  and edits of a version no audit has used yet.
- ``plans``: audit plans and ``plan_audits``, the planner that makes each period's audits from the
  plans' frequencies exactly once.
- ``audits``: carrying out an audit: results and photos as the auditor goes, scores, submission.
- ``nonconformances``: the non-conformances a submission raises (recurrence within the company's
  window), assigning their corrective action, preventive actions, repair requests.
- ``corrective_actions``: the corrective action's lifecycle (``CA_TRANSITIONS``): submit, accept,
  reject, photos.
- ``escalation``: overdue corrective actions told to the owner, the manager, then HQ quality.
- ``people``: who is told and who may act for a project.
"""

from guanjia.quality.services.audits import (
    HUNDRED,
    RESULT_FIELDS,
    audit_create,
    audit_record,
    audit_submit,
    result_add_photo,
    score_of,
    section_scores,
)
from guanjia.quality.services.checklists import (
    DEFAULT_CODE,
    ITEM_FIELDS,
    default_rows,
    template_copy,
    template_create,
    template_install_default,
    template_item_create,
    template_item_update,
    template_revise,
    template_rows,
    template_section_save,
)
from guanjia.quality.services.corrective_actions import (
    CA_TRANSITIONS,
    ca_act,
    ca_add_photo,
    ca_allowed_actions,
)
from guanjia.quality.services.escalation import ESCALATION_LADDER, escalate_overdue
from guanjia.quality.services.nonconformances import (
    nc_assign,
    nc_prevent,
    nc_raise_ticket,
    raise_nonconformances,
    recurrence_days,
    settings_update,
)
from guanjia.quality.services.people import (
    hq_quality_users,
    may_manage_project,
    project_managers,
    user_can_receive,
)
from guanjia.quality.services.plans import (
    PLAN_FIELDS,
    period_of,
    plan_audits,
    plan_create,
    plan_delete,
    plan_update,
)

__all__ = [
    "CA_TRANSITIONS",
    "DEFAULT_CODE",
    "ESCALATION_LADDER",
    "HUNDRED",
    "ITEM_FIELDS",
    "PLAN_FIELDS",
    "RESULT_FIELDS",
    "audit_create",
    "audit_record",
    "audit_submit",
    "ca_act",
    "ca_add_photo",
    "ca_allowed_actions",
    "default_rows",
    "escalate_overdue",
    "hq_quality_users",
    "may_manage_project",
    "nc_assign",
    "nc_prevent",
    "nc_raise_ticket",
    "period_of",
    "plan_audits",
    "plan_create",
    "plan_delete",
    "plan_update",
    "project_managers",
    "raise_nonconformances",
    "recurrence_days",
    "result_add_photo",
    "score_of",
    "section_scores",
    "settings_update",
    "template_copy",
    "template_create",
    "template_install_default",
    "template_item_create",
    "template_item_update",
    "template_revise",
    "template_rows",
    "template_section_save",
    "user_can_receive",
]
