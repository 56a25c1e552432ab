"""The records of facilities, one module per sub-domain: the equipment ledger (设备台账,
``ledger``), preventive maintenance (维保计划, its tasks and the repairs they raise,
``maintenance``), the costs of each item (``costs``), and patrols (巡查/巡更) with their
checkpoints, rounds and scans (``patrols``), and the common areas environmental work is done
over (``areas``). Every model is importable from here, as before."""

from guanjia.facilities.models.areas import Area
from guanjia.facilities.models.costs import EquipmentCost
from guanjia.facilities.models.ledger import Equipment, EquipmentFile, EquipmentType
from guanjia.facilities.models.maintenance import (
    EquipmentRepair,
    MaintenancePlan,
    MaintenanceTask,
    RepairEscalation,
    TaskEscalation,
    TaskLineResult,
    TaskPhoto,
)
from guanjia.facilities.models.patrols import (
    Checkpoint,
    CheckpointScan,
    MissedCheckpoint,
    PatrolFinding,
    PatrolRound,
    PatrolRoute,
)

__all__ = [
    "Area",
    "Checkpoint",
    "CheckpointScan",
    "Equipment",
    "EquipmentCost",
    "EquipmentFile",
    "EquipmentRepair",
    "EquipmentType",
    "MaintenancePlan",
    "MaintenanceTask",
    "MissedCheckpoint",
    "PatrolFinding",
    "PatrolRound",
    "PatrolRoute",
    "RepairEscalation",
    "TaskEscalation",
    "TaskLineResult",
    "TaskPhoto",
]
