"""Every write of this app: claims (submit, approve, reject) and household members (invite, revoke).

A claim is made by a person with no account yet, so ``claim_submit`` takes the verified phone number
instead of an actor; every other change has an actor, journaled as its "who".
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import images
from guanjia.core.errors import Conflict, NotAllowed, NotFound
from guanjia.core.phones import normalise_phone
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import lock, save_validated, service, visible_reference
from guanjia.estates.choices import Relation
from guanjia.estates.models import Building, Occupancy, Project, Resident, Unit
from guanjia.estates.services import occupancy_end_unchecked, occupancy_open_unchecked
from guanjia.households import accounts, notices
from guanjia.households.choices import ClaimStatus
from guanjia.households.models import ClaimPhoto, UnitClaim
from guanjia.staff.models import StaffMember

MAX_PHOTOS = 3
# A phone number may have this many claims waiting at once (a guard against a flood of claims).
MAX_PENDING_PER_PHONE = 3


def _now() -> datetime.datetime:
    """The present. One seam, so tests and the demo can lay claims out in the past."""
    return timezone.now()


def decision_time() -> datetime.timedelta:
    """How long the butler has to decide a claim (``GUANJIA_CLAIM_DECISION_HOURS``, 48 by default)."""
    return datetime.timedelta(hours=int(getattr(settings, "GUANJIA_CLAIM_DECISION_HOURS", 48)))


def default_rights(relation: str) -> dict[str, bool]:
    """Owners may everything; a family member or tenant approved by a butler may report and pay, and
    votes only when an owner allows it."""
    owner = relation == Relation.OWNER
    return {"may_report": True, "may_pay": True, "may_vote": owner}


def _phone(value, field: str = "phone") -> str:
    try:
        return normalise_phone(value or "")
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _text(data: dict, field: str, max_length: int, *, required: bool = True) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: _("此项为必填项")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多 %(n)s 个字") % {"n": max_length}})
    return value


def _relation(data: dict, allowed) -> str:
    relation = data.get("relation")
    if relation not in allowed:
        raise ValidationError({"relation": _("请选择关系")})
    return relation


def _id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def claim_place(data: dict) -> tuple[Project, Building, Unit]:
    """The project, building and unit a claim names, each inside the one before; a unit that does not
    exist, is deleted or lies in another project (another company's above all) is a field error.
    ``company_id`` (from an estate's own join link) narrows the projects to that company."""
    projects = Project.objects.all()
    if data.get("company_id") is not None:
        projects = projects.filter(company_id=data["company_id"])
    project = projects.filter(pk=_id(data.get("project_id")) or 0).first()
    if project is None:
        raise ValidationError({"project_id": _("请选择项目")})
    building = Building.objects.filter(pk=_id(data.get("building_id")) or 0, project=project).first()
    if building is None:
        raise ValidationError({"building_id": _("该项目下没有这个楼栋")})
    unit = (
        Unit.objects.filter(pk=_id(data.get("unit_id")) or 0, building=building, deleted_at__isnull=True)
        .select_related("building")
        .first()
    )
    if unit is None:
        raise ValidationError({"unit_id": _("该楼栋下没有这个房屋")})
    return project, building, unit


def claim_assignees(project: Project, building: Building) -> list[StaffMember]:
    """Who decides a claim: the building's butlers serving the project; else the project's desk, else
    its manager — never nobody while the project has staff."""
    serving = StaffMember.objects.filter(
        company_id=project.company_id, deleted_at__isnull=True, projects=project
    ).order_by("id")
    butlers = list(serving.filter(butler_buildings=building).with_role(Role.BUTLER).distinct())
    if butlers:
        return butlers
    for role in (Role.DESK, Role.PROJECT_MANAGER):
        members = list(serving.with_role(role).distinct())
        if members:
            return members
    return []


@service
def claim_submit(*, phone: str, data: dict, photos=()) -> UnitClaim:
    """A claim (业主认证) by the holder of a verified phone number: the unit, the claimant's name and
    relationship, one to three proof photos. It waits for the unit's butler; it never gives access."""
    phone = _phone(phone)
    project, building, unit = claim_place(data)
    name = _text(data, "name", 60)
    relation = _relation(data, Relation.values)
    note = _text(data, "note", 200, required=False)
    photos = list(photos or ())
    if not photos:
        raise ValidationError({"photos": _("请上传房产证、购房合同或租赁合同等证明材料的照片")})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}})
    cleaned = [images.clean_photo(upload, field="photos") for upload in photos]
    if (
        Occupancy.objects.current()
        .filter(unit=unit, resident__phone=phone, resident__deleted_at__isnull=True)
        .exists()
    ):
        raise Conflict(_("您已是该房屋的住户，请直接登录"))
    pending = UnitClaim.objects.filter(phone=phone, status=ClaimStatus.PENDING)
    if pending.filter(unit=unit).exists():
        raise Conflict(_("您对该房屋已有待审核的认证申请"))
    if pending.count() >= MAX_PENDING_PER_PHONE:
        raise Conflict(_("待审核的申请过多，请等待审核结果"))
    now = _now()
    claim = UnitClaim(
        company_id=project.company_id,
        project=project,
        unit=unit,
        phone=phone,
        name=name,
        relation=relation,
        note=note,
        submitted_at=now,
        due_at=now + decision_time(),
    )
    claim = save_validated(claim)
    for clean in cleaned:
        image_name, thumb_name = images.save_photo(clean, prefix=f"claims/{claim.company_id}/{claim.pk}")
        ClaimPhoto.objects.create(
            company_id=claim.company_id,
            project_id=claim.project_id,
            claim=claim,
            image=image_name,
            thumbnail=thumb_name,
            content_type=clean.content_type,
            width=clean.width,
            height=clean.height,
        )
    assignees = claim_assignees(project, building)
    claim.assignees.set(assignees)
    notices.claim_submitted(claim, [m.user for m in assignees if m.user_id])
    return claim


def _pending(actor, claim: UnitClaim) -> UnitClaim:
    require(actor, Perm.CHANGE_RESIDENTS)
    claim = visible_reference(UnitClaim, claim.pk, actor, field="claim_id")
    claim = lock(claim)
    if not claim.is_pending:
        raise Conflict(_("该申请已审核（%(status)s）") % {"status": claim.get_status_display()})
    return claim


@service
def claim_approve(*, actor, claim: UnitClaim) -> UnitClaim:
    """The butler confirms the claim: the person becomes (or already is) a resident of the company,
    gets the tie to the unit and a portal account, and is told so. A unit that already has an owner
    is taken only this way, by a person who looked at the proof."""
    claim = _pending(actor, claim)
    unit = Unit.objects.select_related("building").get(pk=claim.unit_id)
    if unit.deleted_at is not None:
        raise Conflict(_("该房屋已删除"))
    resident = (
        Resident.objects.select_for_update()
        .filter(company_id=claim.company_id, phone=claim.phone, deleted_at__isnull=True)
        .first()
    )
    if resident is None:
        resident = save_validated(
            Resident(
                company_id=claim.company_id, project_id=claim.project_id, name=claim.name, phone=claim.phone
            )
        )
    occupancy = (
        Occupancy.objects.current().filter(resident=resident, unit=unit, relation=claim.relation).first()
    )
    if occupancy is None:
        occupancy = occupancy_open_unchecked(
            resident=resident, unit=unit, relation=claim.relation, rights=default_rights(claim.relation)
        )
    accounts.invite(actor, resident)
    claim.status = ClaimStatus.APPROVED
    claim.decided_at = _now()
    claim.decided_by = actor
    claim.resident = resident
    claim.occupancy = occupancy
    return save_validated(claim)


@service
def claim_reject(*, actor, claim: UnitClaim, reason: str) -> UnitClaim:
    """The butler turns the claim down, saying why; the claimant reads the reason on the join page."""
    reason = _text({"reason": reason}, "reason", 200)
    claim = _pending(actor, claim)
    claim.status = ClaimStatus.REJECTED
    claim.reject_reason = reason
    claim.decided_at = _now()
    claim.decided_by = actor
    return save_validated(claim)


# Household members ------------------------------------------------------------------------------


def _owner_of(actor, unit_id) -> tuple[Resident, Unit]:
    """The actor's resident record and the unit, if the actor owns it today; else 404 (a unit that is
    not theirs looks like a missing one) or 403 (theirs, but not as owner)."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有业主可以管理家庭成员"))
    unit = Unit.objects.visible_to(actor).select_related("building").filter(pk=_id(unit_id) or 0).first()
    if unit is None:
        raise NotFound(_("房屋 不存在"))
    owns = Occupancy.objects.current().filter(
        resident_id=scope.resident_id, unit=unit, relation=Relation.OWNER
    )
    if not owns.exists():
        raise NotAllowed(_("只有业主可以管理家庭成员"))
    return Resident.objects.get(pk=scope.resident_id), unit


def _flag(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "on", "yes")
    return bool(value)


@service
def member_invite(*, actor, data: dict) -> Occupancy:
    """An owner adds a family member or tenant to their unit, choosing what they may do (report,
    pay, vote) and, for a tenant, the tenancy's last day. The person is found by phone among the
    company's residents, or registered; they get a portal account and an invitation."""
    owner, unit = _owner_of(actor, data.get("unit_id"))
    phone = _phone(data.get("phone"))
    name = _text(data, "name", 60)
    relation = _relation(data, (Relation.FAMILY, Relation.TENANT))
    end_on = data.get("end_on") or None
    if isinstance(end_on, str):
        end_on = _date(end_on, "end_on")
    today = timezone.localdate()
    if relation == Relation.TENANT and end_on is None:
        raise ValidationError({"end_on": _("请填写租期结束日期")})
    if end_on is not None and end_on < today:
        raise ValidationError({"end_on": _("结束日期不能早于今天")})
    rights = {f"may_{what}": _flag(data, f"may_{what}") for what in ("report", "pay", "vote")}
    resident = (
        Resident.objects.select_for_update()
        .filter(company_id=unit.company_id, phone=phone, deleted_at__isnull=True)
        .first()
    )
    if resident is None:
        resident = save_validated(
            Resident(company_id=unit.company_id, project_id=unit.project_id, name=name, phone=phone)
        )
    elif Occupancy.objects.current().filter(resident=resident, unit=unit).exists():
        raise Conflict(_("%(name)s 已是该房屋的住户") % {"name": resident.name})
    occupancy = occupancy_open_unchecked(
        resident=resident,
        unit=unit,
        relation=relation,
        start_on=today,
        end_on=end_on,
        rights=rights,
        invited_by=owner,
    )
    accounts.invite(actor, resident)
    return occupancy


def _date(value: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({field: _("请输入有效的日期")}) from exc


@service
def member_revoke(*, actor, occupancy: Occupancy) -> Occupancy:
    """An owner takes a family member's or tenant's access to their unit away, today, at once. Other
    owners are not theirs to remove (that is a move-out, done by staff)."""
    target = Occupancy.objects.filter(pk=occupancy.pk).first()
    if target is None:
        raise NotFound(_("入住关系 不存在"))
    _owner_of(actor, target.unit_id)
    if target.relation == Relation.OWNER:
        raise NotAllowed(_("业主之间不能互相移除，迁出请联系物业"))
    return occupancy_end_unchecked(occupancy=target)
