"""Demo data of facilities, called by `manage.py seed_demo` after the estates, staff and requests exist."""

from __future__ import annotations

import random


def seed_demo_facilities(company, *, rng: random.Random) -> dict[str, int]:
    """Create the demo records for every project of `company`; return counts by name."""
    return {}
