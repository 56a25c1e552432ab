"""What the notifications outbox tells the metrics (``core.metrics.register_gauge``): how many
messages wait, and how long the oldest due one has waited. Both read the outbox's small partial
index (open rows only)."""

from django.db.models import Count, Min
from django.utils import timezone

from guanjia.core.metrics import seconds_since
from guanjia.notifications.models import OPEN_STATES, PUSH_CHANNELS, Notification


def waiting():
    rows = (
        Notification.objects.filter(state__in=OPEN_STATES, channel__in=PUSH_CHANNELS)
        .order_by()
        .values("channel", "state")
        .annotate(n=Count("id"))
    )
    for row in rows:
        yield (row["channel"], row["state"]), row["n"]


def oldest_due():
    due = (
        Notification.objects.filter(
            state__in=OPEN_STATES, channel__in=PUSH_CHANNELS, deliver_after__lte=timezone.now()
        )
        .order_by()
        .aggregate(oldest=Min("deliver_after"))["oldest"]
    )
    yield (), seconds_since(due)
