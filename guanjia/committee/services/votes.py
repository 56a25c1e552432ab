"""Owners' votes (业主表决): draft → open (the electorate frozen) → ballots → closed (counted).

One ballot per unit: refused as a conflict (409) when the unit has voted — checked under the
vote's row lock and guarded by the unique (vote, unit) constraint — and as bad input (422 naming
the field) outside the vote's time or from someone who may not vote for the unit (a tenant)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.committee import counting, files
from guanjia.committee.choices import BallotChannel, BallotChoice, VoteStatus
from guanjia.committee.models import Ballot, Vote, VoteElector, VoteVoter
from guanjia.committee.services.common import _now, moment, staff_in_project, text
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.journal import journal_bulk_create
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Project, Unit

EDITABLE = {"title", "question", "special_matter", "starts_at", "ends_at"}


def _vote_fields(vote: Vote, data: dict, *, creating: bool) -> None:
    if creating or "title" in data:
        vote.title = text(data, "title", 120)
    if creating or "question" in data:
        vote.question = text(data, "question", 5000)
    if "special_matter" in data:
        vote.special_matter = bool(data["special_matter"])
    if creating or "starts_at" in data:
        vote.starts_at = moment(data, "starts_at")
    if creating or "ends_at" in data:
        vote.ends_at = moment(data, "ends_at")
    if vote.ends_at <= vote.starts_at:
        raise ValidationError({"ends_at": _("截止时间必须晚于开始时间")})


@service
def vote_create(*, actor, project: Project, data: dict) -> Vote:
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, project.pk)
    vote = Vote(company_id=project.company_id, project=project, created_by=actor)
    _vote_fields(vote, data, creating=True)
    return save_validated(vote)


@service
def vote_update(*, actor, vote: Vote, data: dict) -> Vote:
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, vote.project_id)
    vote = lock(vote)
    if vote.status != VoteStatus.DRAFT:
        raise Conflict(_("表决已开启，不能修改"))
    unknown = set(data) - EDITABLE
    if unknown:
        raise ValidationError({field: _("不可修改此字段") for field in unknown})
    _vote_fields(vote, data, creating=False)
    return save_validated(vote)


def _freeze(vote: Vote) -> int:
    """Write the electorate as it stands now: every unit of the project with its area, its owners
    (the head it counts for) and who may cast its ballot. Later moves change nothing of it."""
    units = list(
        Unit.objects.filter(project_id=vote.project_id, deleted_at__isnull=True)
        .select_related("building")
        .order_by(*Unit._meta.ordering)
    )
    if not units:
        raise ValidationError({"project_id": _("该项目没有房屋，无法表决")})
    ties = (
        Occupancy.objects.current()
        .filter(project_id=vote.project_id, resident__deleted_at__isnull=True)
        .filter(relation__in=[Relation.OWNER, Relation.FAMILY])
        .select_related("resident")
        .order_by("unit_id", "resident_id")
    )
    owners: dict[int, list[int]] = {u.pk: [] for u in units}
    names: dict[int, list[str]] = {u.pk: [] for u in units}
    voters: dict[int, dict[int, bool]] = {u.pk: {} for u in units}
    for tie in ties:
        if tie.unit_id not in owners:
            continue
        if tie.relation == Relation.OWNER:
            if tie.resident_id not in owners[tie.unit_id]:
                owners[tie.unit_id].append(tie.resident_id)
                names[tie.unit_id].append(tie.resident.name)
            voters[tie.unit_id][tie.resident_id] = True
        elif tie.may_vote:
            voters[tie.unit_id].setdefault(tie.resident_id, False)
    heads = counting.heads_of(owners)
    electors = [
        VoteElector(
            company_id=vote.company_id,
            project_id=vote.project_id,
            vote=vote,
            unit=u,
            unit_label=f"{u.building.name}-{u.number}"[:60],
            area=u.area,
            head=heads[u.pk],
            owners="、".join(names[u.pk])[:200],
        )
        for u in units
    ]
    VoteElector.objects.bulk_create(electors, batch_size=500)
    journal_bulk_create(electors)
    VoteVoter.objects.bulk_create(
        [
            VoteVoter(elector=e, resident_id=resident_id, is_owner=is_owner)
            for e in electors
            for resident_id, is_owner in voters[e.unit_id].items()
        ],
        batch_size=1000,
    )
    return len(electors)


@service
def vote_open(*, actor, vote: Vote) -> Vote:
    """Open a draft for ballots: its electorate is frozen now."""
    staff_in_project(actor, Perm.MANAGE_COMMITTEE, vote.project_id)
    vote = lock(vote)
    if vote.status != VoteStatus.DRAFT:
        raise Conflict(_("表决当前为「%(s)s」，不能开启") % {"s": vote.get_status_display()})
    now = _now()
    if vote.ends_at <= now:
        raise ValidationError({"ends_at": _("截止时间已过，请先修改截止时间")})
    _freeze(vote)
    vote.status = VoteStatus.OPEN
    vote.opened_at = now
    vote.opened_by = actor
    return save_validated(vote)


def _accepting(vote: Vote, now) -> None:
    if vote.status == VoteStatus.DRAFT or now < vote.starts_at:
        start = timezone.localtime(vote.starts_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError({"starts_at": _("表决尚未开始（%(t)s 开始）") % {"t": start}})
    if vote.status == VoteStatus.CLOSED or now >= vote.ends_at:
        end = timezone.localtime(vote.ends_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError({"ends_at": _("表决已于 %(t)s 截止，不能再投票") % {"t": end}})


def _elector(vote: Vote, unit_id) -> VoteElector:
    elector = (
        VoteElector.objects.filter(vote=vote, unit_id=unit_id or 0).first()
        if str(unit_id).isdigit()
        else None
    )
    if elector is None:
        raise ValidationError({"unit_id": _("该房屋不在本次表决范围内")})
    return elector


def _choice(choice) -> str:
    if choice not in BallotChoice.values:
        raise ValidationError({"choice": _("请选择同意、反对或弃权")})
    return choice


def _store(vote: Vote, elector: VoteElector, **fields) -> Ballot:
    if Ballot.objects.filter(vote=vote, unit_id=elector.unit_id).exists():
        raise Conflict(_("该房屋已投票，不能重复投票或更改"))
    ballot = Ballot(
        company_id=vote.company_id,
        project_id=vote.project_id,
        vote=vote,
        elector=elector,
        unit_id=elector.unit_id,
        **fields,
    )
    try:
        with transaction.atomic():
            ballot.save()
    except IntegrityError as exc:  # two at once for the same unit: the second loses
        raise Conflict(_("该房屋已投票，不能重复投票或更改")) from exc
    return ballot


@service
def ballot_cast(*, actor, vote: Vote, unit_id, choice: str) -> Ballot:
    """A resident casts their unit's ballot on the portal: an owner, or a family member an owner
    gave the vote, as frozen when the vote opened. Once; never changed."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有业主可以在业主端投票"))
    vote = lock(vote)
    choice = _choice(choice)
    _accepting(vote, _now())
    elector = _elector(vote, unit_id)
    if not elector.voters.filter(resident_id=scope.resident_id).exists():
        raise ValidationError({"unit_id": _("您不是该房屋的业主（或业主委托的家庭成员），不能表决")})
    return _store(
        vote,
        elector,
        choice=choice,
        channel=BallotChannel.PORTAL,
        cast_by_id=scope.resident_id,
        cast_at=_now(),
    )


@service
def ballot_record(*, actor, vote: Vote, unit_id, choice: str, resident_id, scan=None) -> Ballot:
    """The desk records a signed paper ballot (纸质表决票): the unit, the owner who signed it, the
    choice, optionally its scan; who recorded it and when are kept."""
    staff_in_project(actor, Perm.RECORD_BALLOTS, vote.project_id)
    vote = lock(vote)
    choice = _choice(choice)
    _accepting(vote, _now())
    elector = _elector(vote, unit_id)
    if not str(resident_id or "").isdigit() or not elector.voters.filter(resident_id=resident_id).exists():
        raise ValidationError({"resident_id": _("签署人不是该房屋的业主（或业主委托的家庭成员）")})
    stored = ""
    if scan is not None:
        _name, stored, _size, _type = files.store_file(scan, kind="ballots", field="scan")
    return _store(
        vote,
        elector,
        choice=choice,
        channel=BallotChannel.PAPER,
        cast_by_id=int(resident_id),
        recorded_by=actor,
        scan=stored,
        cast_at=_now(),
    )


def tally(vote: Vote) -> counting.Tally:
    """The count of the vote's ballots over its frozen electorate (live while open)."""
    electors = [
        counting.Elector(unit_id=u, area=a, head=h)
        for u, a, h in VoteElector.objects.filter(vote=vote).values_list("unit_id", "area", "head")
    ]
    ballots = dict(Ballot.objects.filter(vote=vote).values_list("unit_id", "choice"))
    return counting.count(electors, ballots, special_matter=vote.special_matter)


@service
def vote_close(*, actor, vote: Vote) -> Vote:
    """Close a vote at or after its end and store its count (the job does it for every due vote;
    staff may close one that has ended). Closing never happens before ``ends_at``."""
    if actor is not None:
        staff_in_project(actor, Perm.MANAGE_COMMITTEE, vote.project_id)
    vote = lock(vote)
    if vote.status != VoteStatus.OPEN:
        raise Conflict(_("表决当前为「%(s)s」，不能结束") % {"s": vote.get_status_display()})
    now = _now()
    if now < vote.ends_at:
        raise Conflict(_("未到截止时间，不能提前结束表决"))
    result = tally(vote)
    vote.status = VoteStatus.CLOSED
    vote.closed_at = now
    vote.closed_by = actor
    vote.result = result.as_dict()
    vote.passed = result.passed
    return save_validated(vote)


def close_due(*, now=None) -> int:
    """Close every open vote past its end (the periodic job); each once, safe to run twice."""
    now = now or _now()
    closed = 0
    for vote in Vote.objects.filter(status=VoteStatus.OPEN, ends_at__lte=now).order_by("ends_at", "id"):
        try:
            vote_close(actor=None, vote=vote)
        except Conflict:
            continue
        closed += 1
    return closed
