"""REST API of the committee app (``/api/v1/committee/…``, ``/api/v1/votes/…``,
``/api/v1/suggestions/…``), through the same selectors and services as the console and the portal.
Residents reach their own votes (and cast their ballots) and the suggestion box; everything else is
staff's, scoped by ``visible_to`` like every resource."""

from ninja import Router

router = Router(tags=["committee"])

# The resources register themselves on ``router`` (imported last: they import it from here).
from guanjia.committee.api import committee, suggestions, votes  # noqa: E402, F401
