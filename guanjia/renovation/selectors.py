"""Reads of renovation for the pages and the API: a renovation with everything its page shows, the
resident's own renovations, the day's patrol lists."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.billing import selectors as billing_selectors
from guanjia.billing.models import Bill
from guanjia.core.media import private_url
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Unit
from guanjia.renovation.models import (
    Patrol,
    PatrolStop,
    Renovation,
    RenovationEvent,
    Violation,
    ViolationPhoto,
)

EVENT_LABELS = {
    "submitted": _("提交申请"),
    "engineering_approved": _("工程审核通过"),
    "manager_approved": _("项目经理审批通过"),
    "rejected": _("驳回"),
    "billed": _("开具押金与管理费"),
    "permitted": _("发放施工许可证"),
    "worker_added": _("登记施工人员"),
    "worker_revoked": _("注销出入证"),
    "violation": _("巡查发现违规"),
    "rectified": _("违规已整改"),
    "violation_overdue": _("整改超期升级"),
    "overdue": _("审批超期升级"),
    "stopped": _("停工"),
    "resumed": _("复工"),
    "completed": _("竣工验收"),
    "deducted": _("押金扣除"),
    "refund_requested": _("申请退还押金"),
    "refund_rejected": _("押金退还被驳回"),
    "refunded": _("押金已退还"),
    "closed": _("结案"),
    "plan_added": _("补充图纸"),
}


def detail_queryset():
    photos = Prefetch("photos", queryset=ViolationPhoto.objects.order_by("id"))
    return Renovation.objects.select_related(
        "project", "unit__building", "applicant", "engineering_by", "manager_by", "completed_by", "refund"
    ).prefetch_related(
        "plans",
        "workers",
        "deductions",
        Prefetch(
            "violations", queryset=Violation.objects.prefetch_related(photos).select_related("found_by")
        ),
        Prefetch("events", queryset=RenovationEvent.objects.select_related("actor")),
    )


def bills(renovation: Renovation) -> list:
    ids = [pk for pk in (renovation.fee_bill_id, renovation.deposit_bill_id) if pk]
    rows = billing_selectors.with_amounts(Bill.objects.filter(pk__in=ids)).prefetch_related("lines")
    return sorted(rows, key=lambda b: b.pk)


def photo_links(violation: Violation) -> list[dict]:
    return [
        {"image": private_url(p.image), "thumbnail": private_url(p.thumbnail)} for p in violation.photos.all()
    ]


def timeline(renovation: Renovation) -> list[dict]:
    return [
        {
            "time": e.time,
            "action": e.action,
            "label": str(EVENT_LABELS.get(e.action, e.action)),
            "actor": str(e.actor) if e.actor_id else "",
            "note": e.note,
        }
        for e in renovation.events.all()
    ]


def owned_units(user):
    """Units the resident owns (may apply for), with their building."""
    return Unit.objects.filter(
        pk__in=Occupancy.objects.current()
        .filter(resident__user=user, relation=Relation.OWNER)
        .values("unit_id")
    ).select_related("building", "project")


def mine(user):
    return detail_queryset().visible_to(user).order_by("-submitted_at", "-id")


def todays_stops(user):
    """The stops of today's patrol lists of the projects the user serves."""
    today = timezone.localdate()
    patrols = Patrol.objects.visible_to(user).filter(day=today)
    return (
        PatrolStop.objects.filter(patrol__in=patrols)
        .select_related("renovation__unit__building", "patrol__project", "checked_by")
        .order_by("patrol__project_id", "renovation__unit__building__name", "renovation__unit__number", "id")
    )


def plan_links(renovation: Renovation) -> list[dict]:
    return [{"name": p.name, "url": private_url(p.file)} for p in renovation.plans.all()]
