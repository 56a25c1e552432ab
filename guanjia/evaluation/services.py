"""Every write of staff evaluation: ranking sheets (draft, remark, publish), service-star awards,
training records. Who may do what is checked here (``Perm.REVIEW_STAFF``); docs/staff.md."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service, visible_reference
from guanjia.estates.models import Project
from guanjia.evaluation import figures
from guanjia.evaluation.choices import SheetStatus
from guanjia.evaluation.models import (
    QUARTER_RE,
    RankingRow,
    RankingSheet,
    StaffAward,
    TrainingRecord,
    quarter_bounds,
    quarter_of,
)
from guanjia.staff.models import StaffMember


def _actor_member_id(actor) -> int | None:
    return scope_for(actor).staff_id if actor is not None else None


def _serving(member: StaffMember, project: Project, field: str) -> None:
    if not member.projects.filter(pk=project.pk).exists():
        raise ValidationError({field: _("%(name)s 不服务于此项目") % {"name": member.name}})


def _check_quarter(quarter: str, *, field: str = "quarter", today: datetime.date, ended: bool = False) -> str:
    """A well-formed quarter that has begun (``ended``: that is over) by ``today``."""
    quarter = (quarter or "").strip().upper()
    if not re.match(QUARTER_RE, quarter) or not 1900 <= int(quarter[:4]) <= 2999:
        raise ValidationError({field: _("季度格式应为 YYYYQn，如 2026Q1")})
    first, last = quarter_bounds(quarter)
    if first > today:
        raise ValidationError({field: _("该季度尚未开始")})
    if ended and last >= today:
        raise ValidationError({field: _("该季度尚未结束，结束后才能排名")})
    return quarter


@service
def ranking_draft(*, actor, project: Project, quarter: str) -> RankingSheet:
    """Draft a project's ranking sheet for a quarter that is over, once: its figures frozen now, ranked in the
    suggested order (``figures.ranking_order``), the most-complained highlighted. A second draft of
    the same project and quarter is a 409 (the unique constraint decides, also between two jobs).
    ``actor`` None: the quarterly job."""
    if actor is not None:
        require(actor, Perm.REVIEW_STAFF)
        project = visible_reference(Project, project.pk, actor, field="project_id")
    # Figures are frozen once: only a quarter that is over, or its last days would be missing.
    quarter = _check_quarter(quarter, today=timezone.localdate(), ended=True)
    start, end = quarter_bounds(quarter)
    rows = figures.ranking_order(figures.project_figures(project, start, end))
    sheet = RankingSheet(
        company_id=project.company_id,
        project=project,
        quarter=quarter,
        drafted_by_id=_actor_member_id(actor),
    )
    # Fields set here, quarter checked above: the unique constraint is the one check left (409).
    try:
        with transaction.atomic():
            sheet.save()
    except IntegrityError as exc:
        raise Conflict(
            _("%(project)s %(quarter)s 的排名表已存在") % {"project": project.name, "quarter": quarter}
        ) from exc
    journal_bulk_create(
        RankingRow.objects.bulk_create(
            [
                RankingRow(
                    company_id=sheet.company_id,
                    project_id=sheet.project_id,
                    sheet=sheet,
                    staff_id=r["staff_id"],
                    rank=rank,
                    handled=r["handled"],
                    deadlines_done=r["deadlines_done"],
                    deadlines_on_time=r["deadlines_on_time"],
                    ratings=r["ratings"],
                    rating_mean=r["rating_mean"],
                    answered=r["answered"],
                    satisfied=r["satisfied"],
                    complaints=r["complaints"],
                    complaints_assigned=r["complaints_assigned"],
                    rework=r["rework"],
                    first_contact_owned=r["first_contact_owned"],
                    handed_over=r["handed_over"],
                    owner_followed_up=r["owner_followed_up"],
                    most_complained=r["most_complained"],
                )
                for rank, r in enumerate(rows, start=1)
            ]
        )
    )
    return sheet


def draft_last_quarter(*, today: datetime.date | None = None) -> int:
    """The quarterly job: every project's sheet for the quarter just ended, where there is none yet.
    Idempotent: run twice or late, it drafts nothing more."""
    today = today or timezone.localdate()
    last = quarter_of(quarter_bounds(quarter_of(today))[0] - datetime.timedelta(days=1))
    done = set(RankingSheet.objects.filter(quarter=last).values_list("project_id", flat=True))
    drafted = 0
    for project in Project.objects.exclude(id__in=done).order_by("id"):
        try:
            ranking_draft(actor=None, project=project, quarter=last)
        except Conflict:
            continue  # drafted meanwhile by a manager or another consumer
        drafted += 1
    return drafted


def _not_on_sheet(actor, sheet: RankingSheet, message) -> None:
    staff_id = _actor_member_id(actor)
    if staff_id is not None and RankingRow.objects.filter(sheet=sheet, staff_id=staff_id).exists():
        raise NotAllowed(message)


@service
def ranking_remark(*, actor, row: RankingRow, remark: str) -> RankingRow:
    """A reviewer's remark on one person's row, while the sheet is a draft; never on one's own row."""
    require(actor, Perm.REVIEW_STAFF)
    row = lock(row)
    sheet = lock(row.sheet)  # serialised with its publication: no remark slips in after it
    if row.staff_id == _actor_member_id(actor):
        raise NotAllowed(_("不能评价自己"))
    if sheet.status != SheetStatus.DRAFT:
        raise Conflict(_("排名表已发布，评语不能再修改"))
    row.remark = (remark or "").strip()
    return save_validated(row)


@service
def ranking_publish(*, actor, sheet: RankingSheet, note: str = "") -> RankingSheet:
    """Publish a draft sheet. Only a reviewer who is not ranked on it; publishing is the whole
    effect — the ranking is evidence for a review, nothing follows from it automatically."""
    require(actor, Perm.REVIEW_STAFF)
    sheet = lock(sheet)
    _not_on_sheet(actor, sheet, _("排名表上的人员不能发布本表"))
    if sheet.status != SheetStatus.DRAFT:
        raise Conflict(_("排名表已发布"))
    sheet.status = SheetStatus.PUBLISHED
    sheet.published_at = timezone.now()
    sheet.published_by_id = _actor_member_id(actor)
    if note:
        sheet.note = note.strip()
    return save_validated(sheet)


AWARD_FIELDS = {"kind", "period", "citation"}


@service
def award_create(*, actor, data: dict) -> StaffAward:
    """Name a project's service star of a kind for a quarter (one per kind, project and quarter)."""
    require(actor, Perm.REVIEW_STAFF)
    data = dict(data)
    project = visible_reference(Project, data.pop("project_id", None), actor, field="project_id")
    member = visible_reference(StaffMember, data.pop("staff_id", None), actor, field="staff_id")
    _serving(member, project, "staff_id")
    award = StaffAward(
        company_id=project.company_id, project=project, staff=member, awarded_by_id=_actor_member_id(actor)
    )
    apply_changes(award, data, allowed=AWARD_FIELDS)
    award.period = _check_quarter(award.period, field="period", today=timezone.localdate())
    return save_validated(award)


@service
def award_update(*, actor, award: StaffAward, data: dict) -> StaffAward:
    require(actor, Perm.REVIEW_STAFF)
    award = lock(award)
    data = dict(data)
    if data.get("staff_id") is not None:
        member = visible_reference(StaffMember, data.pop("staff_id"), actor, field="staff_id")
        _serving(member, award.project, "staff_id")
        award.staff = member
    data.pop("staff_id", None)
    apply_changes(award, data, allowed={"citation"})
    return save_validated(award)


@service
def award_delete(*, actor, award: StaffAward) -> None:
    require(actor, Perm.REVIEW_STAFF)
    lock(award).delete()


TRAINING_FIELDS = {"course", "trained_on", "hours", "result", "trainer", "note"}


def _hours(data: dict) -> None:
    if data.get("hours") is not None:
        try:
            data["hours"] = Decimal(str(data["hours"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError({"hours": _("学时应为数字")}) from exc


@service
def training_create(*, actor, data: dict) -> TrainingRecord:
    require(actor, Perm.REVIEW_STAFF)
    data = dict(data)
    member = visible_reference(StaffMember, data.pop("staff_id", None), actor, field="staff_id")
    _hours(data)
    record = TrainingRecord(company_id=member.company_id, staff=member)
    apply_changes(record, data, allowed=TRAINING_FIELDS)
    return save_validated(record)


@service
def training_update(*, actor, training: TrainingRecord, data: dict) -> TrainingRecord:
    require(actor, Perm.REVIEW_STAFF)
    record = lock(training)
    data = dict(data)
    _hours(data)
    apply_changes(record, data, allowed=TRAINING_FIELDS)
    return save_validated(record)


@service
def training_delete(*, actor, training: TrainingRecord) -> None:
    require(actor, Perm.REVIEW_STAFF)
    lock(training).delete()
