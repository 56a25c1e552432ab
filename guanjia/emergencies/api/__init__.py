"""REST resources of emergencies: plans (versioned), incidents, their actions and log, drills,
statements. One module per sub-domain, all on one router (``base.router``), exported here."""

from guanjia.emergencies.api import drills, incidents, plans, statements  # noqa: F401 (registers the operations)
from guanjia.emergencies.api.base import router

__all__ = ["router"]
