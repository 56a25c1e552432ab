"""REST resources of emergencies."""

from ninja import Router

router = Router(tags=["emergencies"])
