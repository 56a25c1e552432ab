"""Aftermath: the follow-up call to every household affected, the incident report (written,
approved, sent to HQ), the one official statement, and closing once nothing is missing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import lock, save_validated, service
from guanjia.emergencies.choices import CallResult, DrillStatus, IncidentStatus, LogKind
from guanjia.emergencies.models import Drill, FollowUpCall, Incident, IncidentLog, IncidentReport, Statement
from guanjia.emergencies.services import common
from guanjia.emergencies.services.common import (
    _bulk,
    _check_open,
    _is_gm,
    _log,
    _notify_hq,
    _require_command,
    _staff_of,
    _visible,
)
from guanjia.estates.models import Occupancy, Unit
from guanjia.notifications.messages import Message, label_of
from guanjia.staff.choices import Department


def affected_units(incident: Incident):
    """The units of the place: the floors of a building, a whole building, or the whole estate."""
    units = Unit.objects.filter(project_id=incident.project_id, deleted_at__isnull=True)
    if incident.building_id:
        units = units.filter(building_id=incident.building_id)
        if incident.floor_from is not None:
            units = units.filter(floor__gte=incident.floor_from, floor__lte=incident.floor_to)
    return units


@service
def incident_start_aftermath(*, actor, incident: Incident) -> Incident:
    """The event is under control: move to aftermath and list a follow-up call to every resident of
    every affected unit (drills affect no household)."""
    _visible(actor, incident)
    incident = lock(incident)
    _require_command(actor, incident)
    if incident.status != IncidentStatus.OPEN:
        raise Conflict(_("事件已在善后或已关闭"))
    now = common._now()
    incident.status, incident.aftermath_at = IncidentStatus.AFTERMATH, now
    incident.save(update_fields=["status", "aftermath_at", "updated_at"])
    count = 0
    if not incident.is_drill:
        today = timezone.localdate(now)
        occupancies = (
            Occupancy.objects.filter(unit__in=affected_units(incident), resident__deleted_at__isnull=True)
            .filter(Q(end_on__isnull=True) | Q(end_on__gte=today), start_on__lte=today)
            .values_list("unit_id", "resident_id")
            .distinct()
        )
        calls = [
            FollowUpCall(
                company_id=incident.company_id,
                project_id=incident.project_id,
                incident=incident,
                unit_id=unit_id,
                resident_id=resident_id,
            )
            for unit_id, resident_id in occupancies
        ]
        _bulk(FollowUpCall, calls)
        count = len(calls)
    _log(
        incident,
        actor=actor,
        kind=LogKind.AFTERMATH,
        text=_("事态已控制，转入善后；需回访 %(n)s 户") % {"n": count},
        at=now,
    )
    return incident


@service
def call_record(*, actor, call: FollowUpCall, result: str, note: str = "") -> FollowUpCall:
    require(actor, Perm.VIEW_EMERGENCIES)
    _visible(actor, call.incident)
    call = lock(call)
    if call.incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("事件已关闭"))
    if result not in (CallResult.DONE, CallResult.UNREACHABLE, CallResult.DECLINED):
        raise ValidationError({"result": _("请选择回访结果：已回访、联系不上或拒绝回访")})
    call.result, call.note = result, (note or "").strip()[:200]
    call.called_at, call.called_by = common._now(), actor
    call.save()
    _log(
        call.incident,
        actor=actor,
        kind=LogKind.CALL,
        text=f"{call.unit} {call.get_result_display()} {call.note}".strip(),
    )
    return call


@service
def report_write(*, actor, incident: Incident, body: str) -> IncidentReport:
    """The responsible department (or the GM) writes the report; rewriting undoes an approval."""
    _visible(actor, incident)
    incident = lock(incident)
    if incident.status != IncidentStatus.AFTERMATH:
        raise Conflict(_("事件转入善后后才能出具报告"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("请填写报告内容")})
    member = _staff_of(actor)
    department = incident.plan.responsible_department
    if not (_is_gm(actor, incident) or (member is not None and member.department == department)):
        raise NotAllowed(_("事件报告由%(dept)s出具") % {"dept": Department(department).label})
    report = IncidentReport.objects.filter(incident=incident).first()
    now = common._now()
    if report is None:
        report = IncidentReport(
            company_id=incident.company_id, project_id=incident.project_id, incident=incident
        )
    elif report.sent_to_hq_at:
        raise Conflict(_("报告已审批并报总公司，不能再修改"))
    report.department = department
    report.body, report.written_by, report.written_at = body[:10000], actor, now
    report.approved_by = report.approved_at = None
    save_validated(report)
    _log(incident, actor=actor, kind=LogKind.REPORT, text=_("出具事件报告"), at=now)
    return report


@service
def report_approve(*, actor, incident: Incident) -> IncidentReport:
    """The project manager approves the report; it is then sent to HQ."""
    _visible(actor, incident)
    incident = lock(incident)
    if not _is_gm(actor, incident):
        raise NotAllowed(_("事件报告须经项目经理审批"))
    report = IncidentReport.objects.filter(incident=incident).first()
    if report is None:
        raise Conflict(_("尚未出具事件报告"))
    if report.approved_at:
        raise Conflict(_("报告已审批"))
    now = common._now()
    report.approved_by, report.approved_at, report.sent_to_hq_at = actor, now, now
    report.save()
    _log(incident, actor=actor, kind=LogKind.REPORT, text=_("项目经理审批事件报告，已报总公司"), at=now)
    _notify_hq(
        incident,
        subject=Message(
            gettext_lazy("事件报告：%(project)s %(kind)s"),
            project=incident.project.name,
            kind=label_of(incident, "kind"),
        ),
        body=report.body[:500],
        key=f"emergency-{incident.pk}-report",
        kind="emergencies.report",
    )
    return report


@service
def statement_issue(*, actor, incident: Incident, body: str) -> Statement:
    """The one official statement; only the project GM issues it (对外发布消息权)."""
    _visible(actor, incident)
    incident = lock(incident)
    if not _is_gm(actor, incident):
        raise NotAllowed(_("只有项目总经理可以对外发布消息"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("请填写发布内容")})
    if Statement.objects.filter(incident=incident).exists():
        raise Conflict(_("本事件已发布过对外消息"))
    statement = Statement(
        company_id=incident.company_id,
        project_id=incident.project_id,
        incident=incident,
        body=body[:4000],
        issued_by=actor,
        issued_at=common._now(),
    )
    save_validated(statement)
    _log(incident, actor=actor, kind=LogKind.STATEMENT, text=body[:200])
    return statement


def missing_for_close(incident: Incident) -> list[str]:
    """What still stands between the incident and closing it (empty: it may close)."""
    missing: list[str] = []
    if incident.status == IncidentStatus.OPEN:
        missing.append(_("尚未转入善后"))
    if not incident.is_drill:
        pending = FollowUpCall.objects.filter(incident=incident, result=CallResult.PENDING).count()
        if pending:
            missing.append(_("%(n)s 户住户尚未回访") % {"n": pending})
        if not IncidentLog.objects.filter(incident=incident, kind=LogKind.EVIDENCE).exists():
            missing.append(_("没有现场取证照片"))
    report = IncidentReport.objects.filter(incident=incident).first()
    if report is None:
        missing.append(_("没有事件报告"))
    elif not report.approved_at:
        missing.append(_("事件报告未经项目经理审批"))
    if incident.is_drill:
        drill = Drill.objects.filter(incident=incident).first()
        if drill is None or not drill.evaluation.strip():
            missing.append(_("没有演练评估"))
    return missing


@service
def incident_close(*, actor, incident: Incident) -> Incident:
    """Close: refused (409, naming what is missing) until the aftermath is complete."""
    _visible(actor, incident)
    incident = lock(incident)
    _check_open(incident)
    _require_command(actor, incident)
    missing = missing_for_close(incident)
    if missing:
        raise Conflict(_("不能关闭：%(missing)s") % {"missing": "；".join(str(m) for m in missing)})
    now = common._now()
    incident.status, incident.closed_at, incident.closed_by = IncidentStatus.CLOSED, now, actor
    incident.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    Drill.objects.filter(incident=incident).update(status=DrillStatus.DONE)
    _log(incident, actor=actor, kind=LogKind.CLOSED, text=_("事件关闭"), at=now)
    return incident
