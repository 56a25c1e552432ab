"""REST resources of fees: charge items, project rates, unit registrations, meter readings, bills,
payments, refunds and adjustments, door-to-door visits, arrears and the collection rate.

Every handler is thin: ``visible_to`` for reads, a service for writes (journaled, 422/403/404/409).
One module per part of the business, all on the one ``router`` of ``common``; importing them here
registers their operations, in this order.
"""

from guanjia.billing.api.common import router

# isort: off
from guanjia.billing.api import charges, bills, payments, corrections, collection, loops
# isort: on

__all__ = ["bills", "charges", "collection", "corrections", "loops", "payments", "router"]
