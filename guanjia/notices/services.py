"""Every write of notices: draft, edit, attach, publish (now or scheduled), withdraw, pin, the periodic
publishing and pushing, the households' read receipts, and the service team's cards.

Who may: staff with ``DRAFT_NOTICES`` draft notices of their projects; ``PUBLISH_NOTICES`` (the
customer-service head, the project manager, HQ) publishes them; a company-wide notice (no project) is
drafted and published by HQ only.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import images
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for, user_can
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.models import Building, Occupancy, Project
from guanjia.notices import selectors
from guanjia.notices.choices import NoticeStatus
from guanjia.notices.kinds import URGENT_NOTICE
from guanjia.notices.models import Notice, NoticeAttachment, NoticeRead, ServiceCard
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify
from guanjia.staff.models import StaffMember

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The push of an urgent notice is written this many households' accounts at a time, each batch in its
# own transaction: an estate has thousands, and a worker stopped midway resumes without repeating.
PUSH_BATCH = 500
EDITABLE_FIELDS = ("kind", "title", "body", "project_id", "building_id", "publish_at", "expires_at", "pinned")

# Files a notice may carry, recognised by their first bytes (never by the name the browser sends).
_SIGNATURES = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
)


def _now() -> datetime.datetime:
    """The present: one seam for tests and the demo."""
    return timezone.now()


def _id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        return -1
    return number if 0 < number < 2**63 else -1


def _place(actor, data: dict) -> tuple[Project | None, Building | None]:
    """The project and building a notice is addressed to; no project = company-wide (HQ only)."""
    project_id, building_id = _id(data.get("project_id")), _id(data.get("building_id"))
    if project_id is None:
        if building_id is not None:
            raise ValidationError({"project_id": _("指定楼栋时必须指定项目")})
        if not scope_for(actor).is_hq:
            raise ValidationError({"project_id": _("全公司公告只能由总部发布，请选择项目")})
        return None, None
    project = visible_reference(Project, project_id, actor, field="project_id")
    if building_id is None:
        return project, None
    building = Building.objects.filter(pk=building_id, project=project).first()
    if building is None:
        raise ValidationError({"building_id": _("该项目下没有这个楼栋")})
    return project, building


def _check_times(notice: Notice, *, now: datetime.datetime) -> None:
    if notice.expires_at is not None and notice.expires_at <= now:
        raise ValidationError({"expires_at": _("下架时间必须晚于现在")})
    if (
        notice.expires_at is not None
        and notice.publish_at is not None
        and notice.expires_at <= notice.publish_at
    ):
        raise ValidationError({"expires_at": _("下架时间必须晚于发布时间")})


def _may_touch(actor, notice: Notice, perm: str) -> None:
    require(actor, perm)
    if notice.project_id is None and not scope_for(actor).is_hq:
        raise NotAllowed(_("全公司公告只能由总部维护"))


def _fill(notice: Notice, actor, data: dict) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    if "project_id" in data or "building_id" in data:
        place = {"project_id": notice.project_id, "building_id": notice.building_id, **data}
        notice.project, notice.building = _place(actor, place)
    for field in ("kind", "title", "body", "publish_at", "expires_at"):
        if field in data:
            value = data[field]
            setattr(notice, field, value.strip() if isinstance(value, str) else value)
    if "pinned" in data:
        notice.pinned = bool(data["pinned"])


@service
def notice_create(*, actor, data: dict, files=()) -> Notice:
    """Draft a notice (and attach its files); publishing is a separate step (``notice_publish``)."""
    require(actor, Perm.DRAFT_NOTICES)
    scope = scope_for(actor)
    data = dict(data)
    data.setdefault("project_id", None)
    notice = Notice(company_id=scope.company_id, author=actor, status=NoticeStatus.DRAFT)
    _fill(notice, actor, data)
    _check_times(notice, now=_now())
    save_validated(notice)
    for upload in files or ():
        _attach(notice, actor, upload)
    return notice


@service
def notice_update(*, actor, notice: Notice, data: dict, files=()) -> Notice:
    """Change a draft or a scheduled notice; a published one is withdrawn and written anew."""
    _may_touch(actor, notice, Perm.DRAFT_NOTICES)
    notice = lock(notice)
    if not notice.is_editable:
        raise Conflict(_("公告当前状态为「%(s)s」，不能修改") % {"s": notice.get_status_display()})
    _fill(notice, actor, dict(data))
    if notice.project_id is None and not scope_for(actor).is_hq:
        raise ValidationError({"project_id": _("全公司公告只能由总部发布，请选择项目")})
    if notice.status == NoticeStatus.SCHEDULED and notice.publish_at is None:
        notice.status = NoticeStatus.DRAFT
    _check_times(notice, now=_now())
    save_validated(notice)
    for upload in files or ():
        _attach(notice, actor, upload)
    return notice


def _sniff(upload) -> tuple[bytes, str, str]:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": _("附件不能超过 10 MB")})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": _("附件不能超过 10 MB")})
    for magic, extension, content_type in _SIGNATURES:
        if data.startswith(magic):
            return data, extension, content_type
    raise ValidationError({"attachments": _("附件只能是 PDF、JPEG 或 PNG 文件")})


def _attach(notice: Notice, actor, upload) -> NoticeAttachment:
    if notice.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("每条公告最多 %(n)s 个附件") % {"n": MAX_ATTACHMENTS}})
    data, extension, content_type = _sniff(upload)
    if content_type.startswith("image/"):
        # Photos are re-encoded without their metadata (GPS, camera), like every photo we keep.
        clean = images.clean_photo(ContentFile(data), field="attachments")
        name, _thumb = images.save_photo(clean, prefix=f"notices/{notice.company_id}", field="attachments")
        default_storage.delete(_thumb)
        content_type = clean.content_type
    else:
        try:
            name = default_storage.save(
                f"notices/{notice.company_id}/{uuid.uuid4().hex}.pdf", ContentFile(data)
            )
        except Exception as exc:
            logger.error("storing an attachment failed: %s: %s", type(exc).__name__, exc)
            raise ValidationError({"attachments": _("文件存储暂时不可用，附件没有保存，请稍后重试")}) from exc
    original = (getattr(upload, "name", "") or f"attachment.{extension}").rsplit("/", 1)[-1][:120]
    attachment = NoticeAttachment(
        company_id=notice.company_id,
        notice=notice,
        file=name,
        name=original,
        size=len(data),
        content_type=content_type,
    )
    save_validated(attachment)
    return attachment


@service
def notice_attach(*, actor, notice: Notice, upload) -> NoticeAttachment:
    _may_touch(actor, notice, Perm.DRAFT_NOTICES)
    notice = lock(notice)
    if not notice.is_editable:
        raise Conflict(_("公告当前状态为「%(s)s」，不能修改") % {"s": notice.get_status_display()})
    return _attach(notice, actor, upload)


@service
def notice_detach(*, actor, notice: Notice, attachment_id: int) -> None:
    _may_touch(actor, notice, Perm.DRAFT_NOTICES)
    notice = lock(notice)
    if not notice.is_editable:
        raise Conflict(_("公告当前状态为「%(s)s」，不能修改") % {"s": notice.get_status_display()})
    attachment = notice.attachments.filter(pk=_id(attachment_id) or 0).first()
    if attachment is None:
        raise ValidationError({"attachment_id": _("没有这个附件")})
    name = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


@service
def notice_publish(*, actor, notice: Notice, publish_at: datetime.datetime | None = None) -> Notice:
    """Publish a draft now, or schedule it for ``publish_at`` (the periodic job publishes it then)."""
    _may_touch(actor, notice, Perm.PUBLISH_NOTICES)
    notice = lock(notice)
    if not notice.is_editable:
        raise Conflict(_("公告当前状态为「%(s)s」，不能发布") % {"s": notice.get_status_display()})
    now = _now()
    when = publish_at or notice.publish_at
    notice.published_by = actor
    if when is not None and when > now:
        notice.publish_at = when
        notice.status = NoticeStatus.SCHEDULED
        _check_times(notice, now=now)
        save_validated(notice)
        return notice
    notice.publish_at = None
    _check_times(notice, now=now)
    _go_live(notice, now=now)
    return notice


def _go_live(notice: Notice, *, now: datetime.datetime) -> None:
    notice.status = NoticeStatus.PUBLISHED
    notice.published_at = now
    save_validated(notice)
    if notice.is_urgent:
        notice_id = notice.pk
        transaction.on_commit(lambda: _enqueue_push(notice_id))


def _enqueue_push(notice_id: int) -> None:
    from guanjia.notices import tasks

    tasks.push_notice(notice_id)


@service
def notice_unschedule(*, actor, notice: Notice) -> Notice:
    _may_touch(actor, notice, Perm.PUBLISH_NOTICES)
    notice = lock(notice)
    if notice.status != NoticeStatus.SCHEDULED:
        raise Conflict(_("公告当前状态为「%(s)s」，不能取消定时") % {"s": notice.get_status_display()})
    notice.status = NoticeStatus.DRAFT
    notice.publish_at = None
    save_validated(notice)
    return notice


@service
def notice_withdraw(*, actor, notice: Notice) -> Notice:
    """Take a published notice off the portal (it stays in the calendar and the history)."""
    _may_touch(actor, notice, Perm.PUBLISH_NOTICES)
    notice = lock(notice)
    if notice.status != NoticeStatus.PUBLISHED:
        raise Conflict(_("公告当前状态为「%(s)s」，不能撤回") % {"s": notice.get_status_display()})
    notice.status = NoticeStatus.WITHDRAWN
    save_validated(notice)
    return notice


@service
def notice_pin(*, actor, notice: Notice, pinned: bool) -> Notice:
    _may_touch(actor, notice, Perm.PUBLISH_NOTICES)
    notice = lock(notice)
    if notice.status == NoticeStatus.WITHDRAWN:
        raise Conflict(_("已撤回的公告不能置顶"))
    if notice.pinned != bool(pinned):
        notice.pinned = bool(pinned)
        save_validated(notice)
    return notice


# The periodic job and the push ------------------------------------------------------------------


def publish_due(*, now: datetime.datetime | None = None) -> int:
    """Publish every scheduled notice whose time has come, each exactly once: the row is locked and its
    state read again, so a second, late or concurrent run finds it published and does nothing."""
    now = now or _now()
    due = list(
        Notice.objects.filter(status=NoticeStatus.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    published = 0
    for pk in due:
        with transaction.atomic():
            notice = Notice.objects.select_for_update().filter(pk=pk, status=NoticeStatus.SCHEDULED).first()
            if notice is None or notice.publish_at is None or notice.publish_at > now:
                continue
            if notice.expires_at is not None and notice.expires_at <= now:
                # Its time to be shown passed while it waited: it stays a draft, nobody is told.
                notice.status = NoticeStatus.DRAFT
                save_validated(notice)
                continue
            _go_live(notice, now=now)
            published += 1
    return published


def push_notice(notice_id: int, *, batch: int = PUSH_BATCH) -> int:
    """Push an urgent published notice to every account of an addressed household, ``batch`` accounts
    per transaction. One dedup key per notice: a retry, a second worker or a rerun after a crash writes
    no second message to anybody. Returns the number of messages written."""
    notice = (
        Notice.objects.filter(pk=notice_id, status=NoticeStatus.PUBLISHED)
        .select_related("project", "building")
        .first()
    )
    if notice is None or not notice.is_urgent or notice.pushed_at is not None:
        return 0
    user_model = Notice._meta.get_field("author").related_model
    written, after = 0, 0
    while True:
        ids = list(selectors.resident_user_ids(notice).filter(resident__user_id__gt=after)[:batch])
        if not ids:
            break
        after = ids[-1]
        with transaction.atomic():
            written += len(
                notify(
                    recipients=user_model.objects.filter(pk__in=ids).order_by("pk"),
                    subject=Message(
                        gettext_lazy("【%(kind)s】%(title)s"),
                        kind=notice.get_kind_display(),
                        title=notice.title,
                    ),
                    body=Message(
                        gettext_lazy("%(place)s：%(title)s，详情请查看公告。"),
                        place=notice.addressed_to,
                        title=notice.title,
                    ),
                    url=reverse("notices:portal_detail", args=[notice.pk]),
                    related=notice,
                    dedup_key=f"notice-{notice.pk}",
                    kind=URGENT_NOTICE,
                    urgent=True,
                )
            )
    Notice.objects.filter(pk=notice.pk, pushed_at__isnull=True).update(pushed_at=_now())
    return written


# Read receipts -----------------------------------------------------------------------------------


def notice_read(*, actor, notice: Notice) -> list[NoticeRead]:
    """A resident opened a notice: each of their households it is addressed to gets its receipt, once
    (the first reader of the household is kept). Concurrent reads by two members of one household
    write one receipt: the database's unique constraint decides, the loser finds it written."""
    scope = scope_for(actor)
    if not scope.is_resident:
        return []
    if not Notice.objects.visible_to(actor).filter(pk=notice.pk).exists():
        return []
    units = selectors.addressed_units(notice).filter(
        id__in=Occupancy.objects.filter(resident_id=scope.resident_id).current().values("unit_id")
    )
    already = set(NoticeRead.objects.filter(notice=notice).values_list("unit_id", flat=True))
    created = []
    now = _now()
    for unit_id in units.values_list("id", flat=True):
        if unit_id in already:
            continue
        receipt = NoticeRead(
            company_id=notice.company_id,
            notice=notice,
            unit_id=unit_id,
            resident_id=scope.resident_id,
            read_at=now,
        )
        try:
            with transaction.atomic():
                receipt.save()
        except IntegrityError:
            continue  # another member of the household read it a moment earlier
        created.append(receipt)
    return created


# Service cards (管家名片) ----------------------------------------------------------------------


@service
def card_save(*, actor, staff: StaffMember, data: dict, photo=None) -> ServiceCard:
    """Create or change a staff member's card; staff may keep their own, managers anybody's."""
    own = scope_for(actor).staff_id == staff.pk
    if not own and not user_can(actor, Perm.CHANGE_STAFF):
        raise NotAllowed(_("只能维护自己的名片"))
    if not StaffMember.objects.visible_to(actor).filter(pk=staff.pk).exists():
        raise ValidationError({"staff_id": _("员工不存在")})
    card = ServiceCard.objects.select_for_update().filter(staff=staff).first()
    if card is None:
        card = ServiceCard(company_id=staff.company_id, staff=staff)
    allowed = {"title", "phone", "hours", "intro", "shown", "order"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    for field, value in data.items():
        setattr(card, field, value.strip() if isinstance(value, str) else value)
    if photo is not None:
        clean = images.clean_photo(photo, field="photo")
        card.photo, card.thumbnail = images.save_photo(
            clean, prefix=f"cards/{staff.company_id}", field="photo"
        )
    save_validated(card)
    return card


__all__ = [
    "card_save",
    "notice_attach",
    "notice_create",
    "notice_detach",
    "notice_pin",
    "notice_publish",
    "notice_read",
    "notice_unschedule",
    "notice_update",
    "notice_withdraw",
    "publish_due",
    "push_notice",
]
