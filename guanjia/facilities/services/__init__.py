"""Every write of facilities goes through here: the ledger, plans and their tasks, costs, patrols.

One module per sub-domain — ``ledger`` (types, items, files), ``maintenance_plans`` (plans, periods,
task generation), ``maintenance_tasks`` (doing a task, results, defects → repair requests),
``maintenance_overdue`` (escalations), ``costs``, ``patrol_routes`` (routes, checkpoints) and
``patrol_rounds`` (rounds, scans, findings); ``common`` holds the clock (``common._now``, the one
seam to patch) and the helpers they share. Every public name is re-exported here, so
``from guanjia.facilities import services; services.plan_create(...)`` works as before.

Jobs (``tasks.py``) call ``generate_tasks``, ``escalate_overdue_tasks``, ``sync_repairs``,
``generate_rounds`` and ``close_rounds``; each is idempotent and guarded by a unique constraint, so
running it twice, late, or on two consumers at once changes nothing the second time.
"""

from guanjia.facilities.services.common import local_midnight, new_token
from guanjia.facilities.services.costs import cost_create, cost_delete
from guanjia.facilities.services.ledger import (
    EQUIPMENT_FIELDS,
    MAX_DOCUMENT_BYTES,
    equipment_add_file,
    equipment_create,
    equipment_delete,
    equipment_update,
    root_type_name,
    type_with_descendants,
    types_ensure,
)
from guanjia.facilities.services.maintenance_overdue import (
    REPAIR_ESCALATION_DELAYS,
    TASK_ESCALATION_DELAYS,
    escalate_overdue_repairs,
    escalate_overdue_tasks,
)
from guanjia.facilities.services.maintenance_plans import (
    GENERATE_AHEAD,
    PLAN_FIELDS,
    PLAN_SHAPING,
    add_months,
    clean_checklist,
    fire_plans_apply,
    generate_for_plan,
    generate_tasks,
    period_index,
    period_start,
    plan_create,
    plan_delete,
    plan_equipment,
    plan_update,
)
from guanjia.facilities.services.maintenance_tasks import (
    REPAIR_CATEGORY,
    equipment_sync_status,
    sync_repairs,
    task_add_photo,
    task_assign,
    task_complete,
    task_start,
)
from guanjia.facilities.services.patrol_rounds import (
    ROUND_EARLY,
    checkpoint_plan,
    close_rounds,
    current_round,
    finding_report,
    generate_rounds,
    generate_rounds_for,
    parse_round_times,
    round_checkpoints,
    round_scan,
)
from guanjia.facilities.services.patrol_routes import (
    CHECKPOINT_FIELDS,
    ROUTE_FIELDS,
    checkpoint_move,
    checkpoint_order,
    checkpoint_remove,
    checkpoint_update,
    route_create,
    route_delete,
    route_update,
)

__all__ = [
    "CHECKPOINT_FIELDS",
    "EQUIPMENT_FIELDS",
    "GENERATE_AHEAD",
    "MAX_DOCUMENT_BYTES",
    "PLAN_FIELDS",
    "PLAN_SHAPING",
    "REPAIR_CATEGORY",
    "REPAIR_ESCALATION_DELAYS",
    "ROUND_EARLY",
    "ROUTE_FIELDS",
    "TASK_ESCALATION_DELAYS",
    "add_months",
    "checkpoint_move",
    "checkpoint_order",
    "checkpoint_plan",
    "checkpoint_remove",
    "checkpoint_update",
    "clean_checklist",
    "close_rounds",
    "cost_create",
    "cost_delete",
    "current_round",
    "equipment_add_file",
    "equipment_create",
    "equipment_delete",
    "equipment_sync_status",
    "equipment_update",
    "escalate_overdue_repairs",
    "escalate_overdue_tasks",
    "finding_report",
    "fire_plans_apply",
    "generate_for_plan",
    "generate_rounds",
    "generate_rounds_for",
    "generate_tasks",
    "local_midnight",
    "new_token",
    "parse_round_times",
    "period_index",
    "period_start",
    "plan_create",
    "plan_delete",
    "plan_equipment",
    "plan_update",
    "root_type_name",
    "round_checkpoints",
    "round_scan",
    "route_create",
    "route_delete",
    "route_update",
    "sync_repairs",
    "task_add_photo",
    "task_assign",
    "task_complete",
    "task_start",
    "type_with_descendants",
    "types_ensure",
]
