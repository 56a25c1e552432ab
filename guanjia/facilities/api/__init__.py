"""REST resources of facilities: equipment, common areas, maintenance plans and tasks, costs, patrol routes and rounds.

Every handler is thin: ``visible_to`` for reads, a service for writes (journaled, 422/403/404/409).
One module per sub-domain registers its resources on the one ``router`` (``api.common``), which
``guanjia.api`` mounts; importing the modules here is what registers them.
"""

from guanjia.facilities.api import areas, costs, ledger, maintenance, patrols
from guanjia.facilities.api.common import router

__all__ = ["areas", "costs", "ledger", "maintenance", "patrols", "router"]
