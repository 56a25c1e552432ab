"""The one router of emergencies; each module of this package adds its operations to it."""

from ninja import Router

router = Router(tags=["emergencies"])
