"""The daily patrol of renovating units (装修巡查): one list per project and Shanghai day of the units
with a permit in force, checked on a phone; violations with photos and a rectification deadline;
enough violations stop the permit."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.models import Unit
from guanjia.renovation import notices
from guanjia.renovation.choices import RenovationStatus, RenovationViolationKind, RenovationViolationStatus
from guanjia.renovation.files import store_photo
from guanjia.renovation.models import Patrol, PatrolStop, Renovation, Violation, ViolationPhoto
from guanjia.renovation.services import common

MAX_PHOTOS = 6


def in_force(day: datetime.date):
    """Renovations whose permit holds on ``day``."""
    return Renovation.objects.filter(
        status=RenovationStatus.PERMITTED, permit_from__lte=day, permit_until__gte=day
    )


def make_patrols(*, day: datetime.date | None = None) -> int:
    """The job: today's patrol list of every project with renovating units; how many lists it made.
    Idempotent: the list is unique per project and day (a second run or a second worker adds none),
    and a unit whose permit began later that day is added to the existing list once."""
    day = day or timezone.localdate()
    made = 0
    renovations = list(in_force(day).order_by("project_id", "id").values("pk", "project_id", "company_id"))
    by_project: dict[int, list[dict]] = {}
    for row in renovations:
        by_project.setdefault(row["project_id"], []).append(row)
    for project_id, rows in by_project.items():
        patrol = Patrol.objects.filter(project_id=project_id, day=day).first()
        if patrol is None:
            try:
                with transaction.atomic():
                    patrol = Patrol.objects.create(
                        company_id=rows[0]["company_id"], project_id=project_id, day=day, made_at=common.now()
                    )
                made += 1
            except IntegrityError:
                patrol = Patrol.objects.get(project_id=project_id, day=day)
        on_it = set(PatrolStop.objects.filter(patrol=patrol).values_list("renovation_id", flat=True))
        for row in rows:
            if row["pk"] in on_it:
                continue
            try:
                with transaction.atomic():
                    PatrolStop.objects.create(
                        company_id=row["company_id"],
                        project_id=project_id,
                        patrol=patrol,
                        renovation_id=row["pk"],
                    )
            except IntegrityError:
                continue
    return made


@service
def stop_check(*, actor, stop: PatrolStop, ok: bool, note: str = "") -> PatrolStop:
    """The patroller's record of one unit on the day's list: fine, or not (violations recorded with
    ``violation_record``)."""
    require(actor, Perm.DO_FACILITIES_WORK)
    stop = lock(stop)
    if stop.patrol.day != timezone.localdate():
        raise Conflict(_("只能记录当天的巡查"))
    stop.ok = bool(ok)
    stop.note = (note or "")[:300]
    stop.checked_at = common.now()
    stop.checked_by = actor
    stop.save()
    return stop


def _kind(data: dict) -> str:
    kind = data.get("kind")
    if kind not in RenovationViolationKind.values:
        raise ValidationError({"kind": _("请选择违规类型")})
    return kind


def _deadline(data: dict, now: datetime.datetime) -> datetime.datetime:
    value = data.get("rectify_by")
    if isinstance(value, str) and value:
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError({"rectify_by": _("请填写整改期限")}) from None
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
    elif isinstance(value, datetime.date):
        value = timezone.make_aware(datetime.datetime.combine(value, datetime.time(18, 0)))
    else:
        raise ValidationError({"rectify_by": _("请填写整改期限")})
    if value <= now:
        raise ValidationError({"rectify_by": _("整改期限须晚于现在")})
    if value > now + datetime.timedelta(days=30):
        raise ValidationError({"rectify_by": _("整改期限最长 30 天")})
    return value


@service
def violation_record(*, actor, renovation: Renovation, data: dict, photos=(), stop: PatrolStop | None = None):
    """A violation found on a patrol (结构改动、噪音时段、装修垃圾、消防安全 …) with at least one photo
    and a rectification deadline. The count-th violation (``RENOVATION_STOP_AFTER_VIOLATIONS``)
    stops the permit."""
    require(actor, Perm.DO_FACILITIES_WORK)
    kind = _kind(data)
    note = common.text(data, "note", 300)
    now = common.now()
    rectify_by = _deadline(data, now)
    photos = list(photos or ())
    if not photos:
        raise ValidationError({"photos": _("请至少拍一张照片")})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("照片最多 %(n)s 张") % {"n": MAX_PHOTOS}})
    renovation = lock(renovation)
    if renovation.status not in (RenovationStatus.PERMITTED, RenovationStatus.STOPPED):
        raise Conflict(_("该装修不在施工中"))
    if stop is not None and stop.renovation_id != renovation.pk:
        raise ValidationError({"stop_id": _("巡查点与装修不符")})
    violation = save_validated(
        Violation(
            company_id=renovation.company_id,
            project_id=renovation.project_id,
            renovation=renovation,
            stop=stop,
            kind=kind,
            note=note,
            found_at=now,
            found_by=actor,
            rectify_by=rectify_by,
        )
    )
    for upload in photos:
        image, thumb = store_photo(upload)
        ViolationPhoto.objects.create(
            company_id=violation.company_id,
            project_id=violation.project_id,
            violation=violation,
            image=image,
            thumbnail=thumb,
            uploaded_by=actor,
        )
    if stop is not None:
        PatrolStop.objects.filter(pk=stop.pk).update(ok=False, checked_at=now, checked_by=actor)
    common.event(renovation, "violation", actor=actor, note=f"{violation.get_kind_display()}：{note}", at=now)
    renovation.unit = Unit.objects.select_related("building").get(pk=renovation.unit_id)
    violation.renovation = renovation
    notices.violation(violation, common.unit_users(renovation), portal=True)
    notices.violation(violation, common.engineers(renovation.project_id), portal=False)
    count = Violation.objects.filter(renovation=renovation).count()
    if renovation.status == RenovationStatus.PERMITTED and count >= common.stop_after():
        renovation.status = RenovationStatus.STOPPED
        renovation.stopped_reason = _("累计违规 %(n)s 次，责令停工") % {"n": count}
        renovation.save()
        common.event(renovation, "stopped", actor=actor, note=renovation.stopped_reason, at=now)
        notices.stopped(renovation, common.unit_users(renovation), portal=True)
        notices.stopped(
            renovation,
            common.engineers(renovation.project_id) + common.managers(renovation.project_id),
            portal=False,
        )
    return violation


@service
def violation_rectify(*, actor, violation: Violation, note: str = "") -> Violation:
    """The patroller confirms the violation was put right."""
    require(actor, Perm.DO_FACILITIES_WORK)
    violation = lock(violation)
    if violation.status != RenovationViolationStatus.OPEN:
        raise Conflict(_("该违规已确认整改"))
    violation.status = RenovationViolationStatus.RECTIFIED
    violation.rectified_at = common.now()
    violation.rectified_by = actor
    violation.save()
    common.event(
        violation.renovation,
        "rectified",
        actor=actor,
        note=f"{violation.get_kind_display()} {note}".strip(),
    )
    return violation


@service
def renovation_resume(*, actor, renovation: Renovation, note: str) -> Renovation:
    """Lift a stop order (复工) once every violation is rectified: the PM decides."""
    require(actor, Perm.APPROVE_RENOVATION)
    note = common.text({"note": note}, "note", 200)
    renovation = lock(renovation)
    if renovation.status != RenovationStatus.STOPPED:
        raise Conflict(_("该装修未停工"))
    if renovation.violations.filter(status=RenovationViolationStatus.OPEN).exists():
        raise ValidationError({"note": _("尚有违规未整改，不能复工")})
    renovation.status = RenovationStatus.PERMITTED
    renovation.stopped_reason = ""
    save_validated(renovation)
    common.event(renovation, "resumed", actor=actor, note=note)
    return renovation
