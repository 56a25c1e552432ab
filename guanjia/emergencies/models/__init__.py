"""The records of emergencies: plans (versioned), command posts, incidents and their aftermath, drills.

One module per sub-domain; every model keeps its import path ``guanjia.emergencies.models.X`` and
its app label (``emergencies``), so the package changes no migration."""

from guanjia.emergencies.models.aftermath import FollowUpCall, IncidentReport, Statement, StatementQuerySet
from guanjia.emergencies.models.drills import Drill
from guanjia.emergencies.models.incidents import (
    LEVEL_VALIDATORS,
    ChecklistItem,
    Incident,
    IncidentEquipment,
    IncidentLog,
    IncidentQuerySet,
    IncidentTicket,
    Recall,
    Summons,
)
from guanjia.emergencies.models.plans import EmergencyPlan, PlanVersion, SupportingDocument
from guanjia.emergencies.models.posts import CommandPost, CommandPostMember

__all__ = [
    "LEVEL_VALIDATORS",
    "ChecklistItem",
    "CommandPost",
    "CommandPostMember",
    "Drill",
    "EmergencyPlan",
    "FollowUpCall",
    "Incident",
    "IncidentEquipment",
    "IncidentLog",
    "IncidentQuerySet",
    "IncidentReport",
    "IncidentTicket",
    "PlanVersion",
    "Recall",
    "Statement",
    "StatementQuerySet",
    "Summons",
    "SupportingDocument",
]
