"""Who is on duty, from the rota: the answer ``staff.services.on_duty`` asks for (registered in
``RotasConfig.ready``). The rota rules the departments that have an active post at the project;
for the others the weekly table (``staff.DutyShift``) still answers."""

from __future__ import annotations

import datetime

from guanjia.core.cache import shared_cached
from guanjia.rotas.choices import ShiftStatus
from guanjia.rotas.models import Post, Shift


def on_duty_from_rota(project_id: int, moment: datetime.datetime):
    departments = set(
        shared_cached(
            "rota-departments",
            project_id,
            lambda: sorted(
                set(
                    Post.objects.filter(project_id=project_id, is_active=True).values_list(
                        "department", flat=True
                    )
                )
            ),
        )
    )
    if not departments:
        return [], set()
    shifts = (
        Shift.objects.filter(project_id=project_id, starts_at__lte=moment, ends_at__gt=moment)
        .exclude(status=ShiftStatus.ABSENT)
        .filter(staff__deleted_at__isnull=True)
        .select_related("staff")
        .order_by("starts_at", "id")
    )
    members = []
    for shift in shifts:
        if shift.staff not in members:
            members.append(shift.staff)
    return members, departments
