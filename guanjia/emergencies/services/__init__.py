"""Every change of emergencies goes through here: plans and their versions, command posts,
incidents (open → chain → acknowledge → checklists → level, command hand-over → aftermath → close),
and drills. Rules live here; views, API, commands and jobs only call these functions.

One module per sub-domain; this package re-exports their public names, so
``from guanjia.emergencies.services import X`` and ``services.X`` keep working. The clock
(``common._now``) is not re-exported: patch it where it is read, on ``services.common``."""

from guanjia.emergencies.services.aftermath import (
    affected_units,
    call_record,
    incident_close,
    incident_start_aftermath,
    missing_for_close,
    report_approve,
    report_write,
    statement_issue,
)
from guanjia.emergencies.services.common import (
    can_command,
    incident_url,
    is_night,
    max_recalls,
    recall_minutes,
)
from guanjia.emergencies.services.drills import (
    FIRE_YEARLY_TEMPLATE,
    drill_evaluate,
    drill_link_fire_test,
    drill_plan,
    drill_start,
    fire_test_candidates,
)
from guanjia.emergencies.services.incidents import (
    checklist_tick,
    incident_acknowledge,
    incident_log_add,
    incident_open,
    incident_set_level,
    incident_take_command,
)
from guanjia.emergencies.services.links import (
    incident_link_equipment,
    incident_unlink_equipment,
    ticket_link,
    ticket_raise,
)
from guanjia.emergencies.services.plans import (
    DEFAULTS_FILE,
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    default_plans,
    document_add,
    document_delete,
    plan_create,
    plan_delete,
    plan_update,
    plans_ensure_defaults,
)
from guanjia.emergencies.services.posts import (
    member_add,
    member_remove,
    post_ensure,
    post_gaps,
    post_update,
    project_managers,
    responders_for,
    serving_by_project,
)
from guanjia.emergencies.services.recalls import recall_due

__all__ = [
    "DEFAULTS_FILE",
    "DOCUMENT_TYPES",
    "FIRE_YEARLY_TEMPLATE",
    "MAX_DOCUMENT_BYTES",
    "affected_units",
    "call_record",
    "can_command",
    "checklist_tick",
    "default_plans",
    "document_add",
    "document_delete",
    "drill_evaluate",
    "drill_link_fire_test",
    "drill_plan",
    "drill_start",
    "fire_test_candidates",
    "incident_acknowledge",
    "incident_close",
    "incident_link_equipment",
    "incident_log_add",
    "incident_open",
    "incident_set_level",
    "incident_start_aftermath",
    "incident_take_command",
    "incident_unlink_equipment",
    "incident_url",
    "is_night",
    "max_recalls",
    "member_add",
    "member_remove",
    "missing_for_close",
    "plan_create",
    "plan_delete",
    "plan_update",
    "plans_ensure_defaults",
    "post_ensure",
    "post_gaps",
    "post_update",
    "project_managers",
    "recall_due",
    "recall_minutes",
    "report_approve",
    "report_write",
    "responders_for",
    "serving_by_project",
    "statement_issue",
    "ticket_link",
    "ticket_raise",
]
