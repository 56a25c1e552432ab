"""Re-calls (periodic): whoever has not acknowledged is called again, each step exactly once."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.emergencies.choices import IncidentStatus, LogKind
from guanjia.emergencies.models import Recall, Summons
from guanjia.emergencies.services import common
from guanjia.emergencies.services.common import _log, incident_url, max_recalls, recall_minutes
from guanjia.notifications import services as notifications  # via the module: seeding patches its notify
from guanjia.notifications.messages import Message, label_of


def recall_due(*, now: datetime.datetime | None = None) -> int:
    """Call again everyone who has not acknowledged, every N minutes, up to the maximum. Each step
    is one ``Recall`` row (unique per incident, person and step), so however many times or places
    this runs, each step happens — and notifies — exactly once. Returns the steps taken."""
    now = now or common._now()
    interval = datetime.timedelta(minutes=recall_minutes())
    pending = (
        Summons.objects.filter(
            acknowledged_at__isnull=True,
            incident__status=IncidentStatus.OPEN,
            notified_at__lte=now - interval,
        )
        .select_related("incident", "staff__user")
        .order_by("incident_id", "staff_id", "notified_at")
    )
    first_call: dict[tuple[int, int], Summons] = {}
    for s in pending:
        first_call.setdefault((s.incident_id, s.staff_id), s)
    taken = 0
    for (incident_id, staff_id), s in first_call.items():
        due = min(int((now - s.notified_at) / interval), max_recalls())
        done = set(
            Recall.objects.filter(incident_id=incident_id, staff_id=staff_id).values_list("step", flat=True)
        )
        new_steps = []
        for step in range(1, due + 1):
            if step in done:
                continue
            try:
                with transaction.atomic():
                    Recall.objects.create(
                        company_id=s.company_id,
                        project_id=s.project_id,
                        incident_id=incident_id,
                        staff_id=staff_id,
                        step=step,
                        happened_at=now,
                    )
            except IntegrityError:
                continue  # another run took this step
            new_steps.append(step)
        if not new_steps:
            continue
        taken += len(new_steps)
        step = new_steps[-1]
        incident = s.incident
        with transaction.atomic():
            notifications.notify(
                recipients=[s.staff.user],
                subject=Message(
                    gettext_lazy("【再次呼叫 %(n)s】%(kind)s：请立即响应"),
                    n=step,
                    kind=label_of(incident, "kind"),
                ),
                body=Message(gettext_lazy("您尚未响应突发事件：%(what)s"), what=incident.description[:200]),
                url=incident_url(incident),
                related=incident,
                dedup_key=f"emergency-{incident_id}-recall-{step}",
                kind="emergencies.recall",
                channels=notifications.EVERY_CHANNEL,
                urgent=True,
            )
            _log(
                incident,
                actor=None,
                kind=LogKind.RECALL,
                text=_("再次呼叫（第%(n)s次）：%(name)s") % {"n": step, "name": s.staff.name},
                at=now,
            )
    return taken
