"""REST resources of facilities."""

from ninja import Router

router = Router(tags=["facilities"])
