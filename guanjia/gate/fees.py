"""The temporary-parking fee: a pure function of the stay and the project's tariff.

A stay no longer than the free minutes costs nothing; a longer one is charged from its start, per
started hour, at most the daily cap for each started 24 hours (a car left for 2 days and 3 hours pays
two caps plus the three hours, themselves capped).
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from guanjia.billing.selectors import q2

DAY_MINUTES = 24 * 60


def parking_fee(
    entered_at: datetime.datetime,
    left_at: datetime.datetime,
    *,
    free_minutes: int,
    per_hour: Decimal,
    daily_cap: Decimal,
) -> Decimal:
    seconds = max((left_at - entered_at).total_seconds(), 0)
    minutes = math.ceil(seconds / 60)
    if minutes <= free_minutes:
        return Decimal("0.00")
    days, rest = divmod(minutes, DAY_MINUTES)
    rest_fee = min(Decimal(math.ceil(rest / 60)) * per_hour, daily_cap)
    return q2(days * daily_cap + rest_fee)
