"""What the deadlines tell the metrics (``core.metrics.register_gauge``): the clocks running late
now, by stage, across all companies — from the partial index of unfinished deadlines."""

from django.db.models import Count, Min
from django.utils import timezone

from guanjia.core.metrics import seconds_since
from guanjia.sla.models import TicketDeadline


def overdue():
    rows = TicketDeadline.objects.overdue(timezone.now()).order_by().values("stage").annotate(n=Count("id"))
    for row in rows:
        yield (row["stage"],), row["n"]


def most_overdue():
    due = TicketDeadline.objects.overdue(timezone.now()).order_by().aggregate(oldest=Min("due_at"))["oldest"]
    yield (), seconds_since(due)
