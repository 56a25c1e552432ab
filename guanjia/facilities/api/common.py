"""The router every facilities resource registers on (one router per app)."""

from ninja import Router

router = Router(tags=["facilities"])
