"""REST resources of quality."""

from ninja import Router

router = Router(tags=["quality"])
