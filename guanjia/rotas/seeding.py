"""Demo data of rotas, in the first project (金苑): day and night patterns (and a 24-hour one), the
main gate (大门岗) manned day and night by the two security officers for the whole of this month —
except tomorrow night, when the night officer is off and nobody stands in (the cover check flags it to
the project manager, who leads security there) — and the past days' attendance clocked through the
services (one late morning, one missed shift marked absent). Planned by the project manager.
Idempotent: a company that already has shift patterns is left alone."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from guanjia.core.context import Source, change_context
from guanjia.estates.models import Project
from guanjia.rotas import services
from guanjia.rotas.models import ShiftPattern
from guanjia.rotas.selectors import month_bounds
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember


def seed_demo_rotas(company, *, rng: random.Random) -> dict[str, int]:
    manager = get_user_model().objects.filter(company=company, username="manager").first()
    project = Project.objects.filter(company=company, staff__user__username="manager").order_by("id").first()
    guards = {
        m.user.username: m
        for m in StaffMember.objects.filter(
            company=company, user__username__in=["security", "security2"]
        ).select_related("user")
    }
    if (
        manager is None
        or project is None
        or len(guards) < 2
        or ShiftPattern.objects.filter(company=company).exists()
    ):
        return {"rota_shifts": 0}
    with change_context(source=Source.COMMAND):
        return _seed(manager, project, guards, rng)


def _seed(manager, project, guards, rng: random.Random) -> dict[str, int]:
    T = datetime.time
    day = services.pattern_create(actor=manager, data={"name": "白班", "starts_at": T(8), "ends_at": T(20)})
    night = services.pattern_create(actor=manager, data={"name": "夜班", "starts_at": T(20), "ends_at": T(8)})
    services.pattern_create(actor=manager, data={"name": "24小时", "starts_at": T(8), "ends_at": T(8)})
    gate = services.post_create(
        actor=manager,
        data={
            "project_id": project.pk,
            "name": "大门岗",
            "department": Department.SECURITY,
            "min_cover": 1,
            "pattern_ids": [day.pk, night.pk],
        },
    )
    today = timezone.localdate()
    first, last = month_bounds(today.strftime("%Y-%m"))
    gap_night = today + datetime.timedelta(days=1)
    shifts = []
    date = first
    while date <= last:
        shifts.append(
            services.shift_assign(
                actor=manager, post=gate, pattern_id=day.pk, date=date, staff_id=guards["security"].pk
            )
        )
        if date != gap_night:
            shifts.append(
                services.shift_assign(
                    actor=manager, post=gate, pattern_id=night.pk, date=date, staff_id=guards["security2"].pk
                )
            )
        date += datetime.timedelta(days=1)
    now = timezone.now()
    missed = first + datetime.timedelta(days=2)
    for shift in shifts:
        if shift.ends_at > now or (shift.date == missed and shift.pattern_id == night.pk):
            continue
        late = shift.date == first + datetime.timedelta(days=1) and shift.pattern_id == day.pk
        arrive = shift.starts_at + datetime.timedelta(minutes=12 if late else -rng.randint(3, 15))
        user = shift.staff.user
        services.clock(actor=user, token=gate.qr_token, now=arrive)
        services.clock(
            actor=user,
            token=gate.qr_token,
            now=shift.ends_at + datetime.timedelta(minutes=rng.randint(0, 10)),
        )
    services.mark_absent(now=now)
    services.flag_cover_gaps(now=now)
    return {"rota_shifts": len(shifts)}
