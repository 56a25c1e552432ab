import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.emergencies import selectors, services
from guanjia.emergencies.choices import (
    CallResult,
    CommandHolder,
    DrillStatus,
    IncidentStatus,
    LogKind,
    Position,
)
from guanjia.emergencies.models import (
    EmergencyPlan,
    FollowUpCall,
    IncidentTicket,
    Recall,
    Statement,
    Summons,
)
from guanjia.emergencies.tests import seed_000_duties as seed
from guanjia.emergencies.tests.conftest import DAY, NIGHT, at, open_fire
from guanjia.notifications.models import Channel, Notification
from guanjia.staff.models import StaffMember
from guanjia.tickets.choices import Channel as TicketChannel

pytestmark = pytest.mark.django_db


def png(name="p.png"):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 50, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def in_app(user):
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP)


def called(incident):
    return {
        (s.staff.name, s.position) for s in Summons.objects.filter(incident=incident).select_related("staff")
    }


# --- plans -------------------------------------------------------------------------------------


def test_the_four_default_plans_contain_the_seeds_duties(ew):
    plans = {p.kind: p for p in EmergencyPlan.objects.filter(company=ew.company)}
    assert set(plans) == {"fire", "crime", "vehicle", "power_cut", "water_cut", "lift", "weather", "health"}
    assert {k for k, p in plans.items() if not p.is_template} == {"fire", "crime", "vehicle", "power_cut"}

    def has(kind, position, fragments):
        text = "\n".join(plans[kind].content["duties"][position])
        for fragment in fragments:
            assert fragment in text, (kind, position, fragment)

    has("fire", "control_room", seed.FIRE_CONTROL_ROOM)
    assert len(plans["fire"].content["duties"]["control_room"]) == 10  # the control room's ten duties
    for position, fragments in seed.FIRE_GROUPS.items():
        has("fire", position, fragments)
    for kind, table in (("crime", seed.CRIME), ("vehicle", seed.VEHICLE), ("power_cut", seed.POWER_CUT)):
        for position, fragments in table.items():
            has(kind, position, fragments)
    for kind, fragments in seed.AFTERMATH.items():
        aftermath = "\n".join(plans[kind].content["aftermath"])
        for fragment in fragments:
            assert fragment in aftermath
    for plan in plans.values():
        assert [lv["level"] for lv in plan.content["levels"]] == [1, 2, 3]
        assert plan.content["documents"] and plan.content["purpose"]
    assert "紧急疏散方案" in plans["fire"].content["documents"]
    assert plans["fire"].content["night_procedure"]


def test_defaults_are_idempotent_and_never_overwrite_an_edit(ew):
    plan = ew.fire
    services.plan_update(actor=ew.manager, plan=plan, data={"name": "本公司火警预案"})
    assert services.plans_ensure_defaults(company=ew.company) == 0
    plan.refresh_from_db()
    assert plan.name == "本公司火警预案" and plan.version == 2


def test_editing_a_plan_makes_a_version_and_an_incident_keeps_the_one_it_ran(ew):
    incident = open_fire(ew)
    content = dict(ew.fire.content)
    content["duties"] = {**content["duties"], "control_room": ["新的职责"]}
    services.plan_update(actor=ew.manager, plan=ew.fire, data={"content": content})
    ew.fire.refresh_from_db()
    assert ew.fire.version == 2 and ew.fire.versions.count() == 2
    assert incident.plan_version.number == 1
    assert "新的职责" not in incident.plan_version.content["duties"]["control_room"]
    later = open_fire(ew)
    assert later.plan_version.number == 2
    assert list(later.checklist.filter(position=Position.CONTROL_ROOM).values_list("text", flat=True)) == [
        "新的职责"
    ]


def test_plan_content_is_validated_and_only_managers_edit(ew):
    bad = dict(ew.fire.content, levels=ew.fire.content["levels"][:2])
    with pytest.raises(ValidationError) as exc:
        services.plan_update(actor=ew.manager, plan=ew.fire, data={"content": bad})
    assert "content" in exc.value.message_dict
    with pytest.raises(NotAllowed):
        services.plan_update(actor=ew.control.user, plan=ew.fire, data={"name": "x"})
    ew.fire.refresh_from_db()
    assert ew.fire.version == 1


# --- the chain ---------------------------------------------------------------------------------


def test_fire_level_one_calls_the_plans_positions_once_each_on_every_channel(ew):
    incident = open_fire(ew, level=1)
    assert called(incident) == {
        ("中控值班员", Position.CONTROL_ROOM),
        ("消防主管", Position.FIRE_FIGHTING),
        ("保安队长", Position.CORDON),
        ("工程主管", Position.TECHNICAL),
        ("保卫经理", Position.DEPUTY),
        ("项目经理", Position.COMMANDER),
    }
    # The chain's order: control room → supervisors → heads → GM.
    tiers = [s.tier for s in Summons.objects.filter(incident=incident).order_by("tier", "id")]
    assert tiers == sorted(tiers) and tiers[0] == 1 and tiers[-1] == 4
    for user in [
        ew.control.user,
        ew.fire_lead.user,
        ew.captain.user,
        ew.eng_head.user,
        ew.security_head.user,
        ew.manager,
    ]:
        assert in_app(user).filter(dedup_key=f"emergency-{incident.pk}").count() == 1
        sent = Notification.objects.filter(recipient=user, dedup_key=f"emergency-{incident.pk}")
        assert set(sent.values_list("channel", flat=True)) >= {Channel.IN_APP}
    # The stand-in is not called while the leader is there; nobody outside the post is called.
    for user in [ew.fire_standin.user, ew.desk, ew.technician, ew.admin]:
        assert not in_app(user).exists()
    # Each called position has its checklist; the control room has the seed's ten duties.
    assert incident.checklist.filter(position=Position.CONTROL_ROOM).count() == 10
    assert incident.log.filter(kind=LogKind.OPENED).exists()


def test_power_cut_level_one_calls_only_control_room_and_engineering(ew):
    incident = services.incident_open(
        actor=ew.desk,
        data={"project_id": ew.project.pk, "kind": "power_cut", "level": 1, "description": "3栋停电"},
    )
    assert called(incident) == {
        ("中控值班员", Position.CONTROL_ROOM),
        ("工程主管", Position.ENGINEERING_DEPT),
    }
    assert not in_app(ew.manager).exists()


def test_raising_the_level_calls_only_the_new_positions_and_nobody_twice(ew):
    incident = open_fire(ew, level=1)
    before = Notification.objects.count()
    services.incident_set_level(actor=ew.control.user, incident=incident, level=3)
    # Level 3 of fire adds groups nobody fills here; HQ (admin, hq) is told; no one is called twice.
    assert in_app(ew.control.user).count() == 1
    assert in_app(ew.admin).filter(dedup_key=f"emergency-{incident.pk}-hq-3").count() == 1
    assert in_app(ew.hq).count() == 1
    assert Notification.objects.count() > before
    incident.refresh_from_db()
    assert incident.level == 3 and incident.log.filter(kind=LogKind.LEVEL).count() == 1
    with pytest.raises(NotAllowed):
        services.incident_set_level(actor=ew.desk, incident=incident, level=2)


def test_stand_in_is_called_when_the_member_left_the_company(ew):
    StaffMember.objects.filter(pk=ew.fire_lead.pk).update(deleted_at=DAY)
    incident = open_fire(ew)
    assert ("消防替补", Position.FIRE_FIGHTING) in called(incident)
    assert Summons.objects.get(incident=incident, position=Position.FIRE_FIGHTING).is_standin
    assert ("消防主管", Position.FIRE_FIGHTING) not in called(incident)


def test_gaps_show_an_empty_group_and_a_member_who_left(ew):
    StaffMember.objects.filter(pk=ew.captain.pk).update(deleted_at=DAY)
    gaps = services.post_gaps(ew.post, EmergencyPlan.objects.filter(company=ew.company, is_active=True))
    problems = {(g["position"], str(g["problem"])) for g in gaps}
    assert (Position.RESCUE, "无人") in problems  # fire level 2 calls 抢救组; nobody is in it
    assert (Position.CORDON, "保安队长 已离职或不在本项目") in problems
    assert (Position.CORDON, "无人") in problems
    assert not any(p == Position.CONTROL_ROOM for p, _ in problems)
    assert not any(p == Position.COMMANDER for p, _ in problems)


def test_commander_must_be_a_project_manager_of_the_project(ew):
    with pytest.raises(ValidationError) as exc:
        services.post_update(actor=ew.manager, post=ew.post, data={"commander_id": ew.control.pk})
    assert "commander_id" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.member_add(
            actor=ew.manager,
            post=ew.post,
            data={"position": Position.RESCUE, "staff_id": ew.sibling_desk.staff_member.pk},
        )


# --- acknowledgements and re-calls -------------------------------------------------------------


def test_acknowledging_and_ticking_the_own_checklist(ew):
    incident = open_fire(ew)
    services.incident_acknowledge(actor=ew.control.user, incident=incident)
    with pytest.raises(Conflict):
        services.incident_acknowledge(actor=ew.control.user, incident=incident)
    with pytest.raises(NotAllowed):
        services.incident_acknowledge(actor=ew.desk, incident=incident)
    item = incident.checklist.filter(position=Position.FIRE_FIGHTING).first()
    services.checklist_tick(actor=ew.fire_lead.user, incident=incident, item_id=item.pk)
    assert (
        Summons.objects.get(incident=incident, staff=ew.fire_lead).acknowledged_at == DAY
    )  # ticking acknowledges
    with pytest.raises(Conflict):
        services.checklist_tick(actor=ew.fire_lead.user, incident=incident, item_id=item.pk)
    other = incident.checklist.filter(position=Position.CORDON).first()
    with pytest.raises(NotAllowed):
        services.checklist_tick(actor=ew.fire_lead.user, incident=incident, item_id=other.pk)
    # The control room holds command: it may tick anyone's duty.
    services.checklist_tick(actor=ew.control.user, incident=incident, item_id=other.pk)


def test_who_has_not_acknowledged_is_called_again_once_per_step(ew, monkeypatch):
    incident = open_fire(ew)
    services.incident_acknowledge(actor=ew.control.user, incident=incident)
    unacked = {ew.fire_lead, ew.captain, ew.eng_head, ew.security_head, ew.gm}
    assert services.recall_due(now=DAY + datetime.timedelta(minutes=4)) == 0
    assert services.recall_due(now=DAY + datetime.timedelta(minutes=6)) == len(unacked)
    assert services.recall_due(now=DAY + datetime.timedelta(minutes=6)) == 0  # a second run takes nothing
    assert set(Recall.objects.filter(incident=incident).values_list("staff_id", flat=True)) == {
        s.pk for s in unacked
    }
    for member in unacked:
        assert in_app(member.user).filter(dedup_key=f"emergency-{incident.pk}-recall-1").count() == 1
    assert not in_app(ew.control.user).filter(dedup_key__contains="recall").exists()
    # The panel shows them in red.
    at(monkeypatch, DAY + datetime.timedelta(minutes=6))
    panel = selectors.incident_panel(incident, ew.manager)
    red = {s.staff_id for s in panel["summonses"] if s.overdue}
    assert red == {s.pk for s in unacked}
    services.incident_acknowledge(actor=ew.captain.user, incident=incident)
    assert services.recall_due(now=DAY + datetime.timedelta(minutes=11)) == len(unacked) - 1
    # The cap: never more than the configured number of steps.
    services.recall_due(now=DAY + datetime.timedelta(hours=2))
    assert Recall.objects.filter(incident=incident, staff=ew.gm).count() == services.max_recalls()


def test_recall_step_is_unique_in_the_database(ew):
    incident = open_fire(ew)
    services.recall_due(now=DAY + datetime.timedelta(minutes=6))
    first = Recall.objects.filter(incident=incident).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Recall.objects.create(
            company=first.company,
            project=first.project,
            incident=incident,
            staff=first.staff,
            step=1,
            happened_at=DAY,
        )


# --- night command -----------------------------------------------------------------------------


def test_at_night_the_control_room_holds_command_until_the_gm_takes_over(ew, monkeypatch):
    at(monkeypatch, NIGHT)
    incident = open_fire(ew)
    assert incident.at_night and incident.command_holder == CommandHolder.CONTROL_ROOM
    # The control room directs meanwhile: it raises the level.
    services.incident_set_level(actor=ew.control.user, incident=incident, level=2)
    with pytest.raises(NotAllowed):
        services.incident_take_command(actor=ew.control.user, incident=incident)
    with pytest.raises(NotAllowed):
        services.incident_take_command(actor=ew.admin, incident=incident)
    later = NIGHT + datetime.timedelta(minutes=25)
    at(monkeypatch, later)
    services.incident_take_command(actor=ew.manager, incident=incident)
    incident.refresh_from_db()
    assert incident.command_holder == CommandHolder.COMMANDER
    assert incident.command_taken_at == later and incident.command_taken_by == ew.manager
    entry = incident.log.get(kind=LogKind.HANDOVER)
    assert entry.actor == ew.manager and entry.at == later
    with pytest.raises(Conflict):
        services.incident_take_command(actor=ew.manager, incident=incident)


def test_by_day_the_gm_commands_from_the_start(ew):
    incident = open_fire(ew)
    assert not incident.at_night and incident.command_holder == CommandHolder.COMMANDER


# --- aftermath and closing ---------------------------------------------------------------------


def test_closing_is_refused_until_the_aftermath_is_complete(ew):
    incident = open_fire(ew)
    with pytest.raises(Conflict) as exc:
        services.incident_close(actor=ew.manager, incident=incident)
    assert "尚未转入善后" in exc.value.message
    services.incident_start_aftermath(actor=ew.control.user, incident=incident)
    calls = list(FollowUpCall.objects.filter(incident=incident).order_by("unit__number"))
    # Building 1, floor 12: the residents of 1201 and 1202 — and nobody of other buildings or projects.
    assert [(c.unit_id, c.resident_id) for c in calls] == [
        (ew.unit.pk, ew.resident.pk),
        (ew.other_unit.pk, ew.other_resident.pk),
    ]
    with pytest.raises(Conflict) as exc:
        services.incident_close(actor=ew.manager, incident=incident)
    assert "2 户住户尚未回访" in exc.value.message
    assert "没有现场取证照片" in exc.value.message and "没有事件报告" in exc.value.message

    services.call_record(actor=ew.desk, call=calls[0], result=CallResult.DONE, note="已安抚")
    with pytest.raises(ValidationError):
        services.call_record(actor=ew.desk, call=calls[1], result="pending")
    services.call_record(actor=ew.desk, call=calls[1], result=CallResult.UNREACHABLE)
    services.incident_log_add(
        actor=ew.captain.user, incident=incident, text="现场", photo=png(), evidence=True
    )

    with pytest.raises(NotAllowed):  # the report is the responsible department's (保卫部 for fire)
        services.report_write(actor=ew.eng_head.user, incident=incident, body="报告")
    services.report_write(actor=ew.security_head.user, incident=incident, body="12楼电线短路起火，已扑灭")
    with pytest.raises(Conflict) as exc:
        services.incident_close(actor=ew.manager, incident=incident)
    assert str(exc.value.message) == "不能关闭：事件报告未经项目经理审批"
    with pytest.raises(NotAllowed):
        services.report_approve(actor=ew.security_head.user, incident=incident)
    services.report_approve(actor=ew.manager, incident=incident)
    assert in_app(ew.hq).filter(dedup_key=f"emergency-{incident.pk}-report").count() == 1
    assert incident.report.sent_to_hq_at is not None

    services.incident_close(actor=ew.manager, incident=incident)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by == ew.manager
    with pytest.raises(Conflict):
        services.incident_log_add(actor=ew.manager, incident=incident, text="too late")


def test_whole_estate_incident_lists_every_household(ew):
    incident = services.incident_open(
        actor=ew.control.user,
        data={"project_id": ew.project.pk, "kind": "power_cut", "level": 2, "description": "全区停电"},
    )
    services.incident_start_aftermath(actor=ew.control.user, incident=incident)
    assert FollowUpCall.objects.filter(incident=incident).count() == 2  # both households of P1


def test_only_the_project_gm_issues_the_one_statement(ew):
    incident = open_fire(ew)
    for actor in (ew.admin, ew.control.user, ew.security_head.user, ew.sibling_desk):
        with pytest.raises((NotAllowed, Exception)):
            services.statement_issue(actor=actor, incident=incident, body="声明")
    assert not Statement.objects.exists()
    services.statement_issue(actor=ew.manager, incident=incident, body="12楼小火已扑灭，无人员伤亡。")
    with pytest.raises(Conflict):
        services.statement_issue(actor=ew.manager, incident=incident, body="第二次")
    # The database holds at most one, whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(
            company=ew.company, project=ew.project, incident=incident, body="x", issued_at=DAY
        )
    # Residents of the project see it; a resident of another company's project does not.
    assert list(Statement.objects.visible_to(ew.resident_user).values_list("body", flat=True)) == [
        "12楼小火已扑灭，无人员伤亡。"
    ]
    assert not Statement.objects.visible_to(ew.foreign_admin).exists()


def test_incident_raises_and_links_service_requests(ew):
    from guanjia.tickets import services as ticket_services

    ticket_services.company_defaults_ensure(company=ew.company)
    incident = open_fire(ew, equipment_involved="3号消防泵")
    link = services.ticket_raise(
        actor=ew.control.user,
        incident=incident,
        data={"unit_id": ew.unit.pk, "description": "灭火后屋内进水"},
    )
    assert link.ticket.channel == TicketChannel.INCIDENT and link.raised_here
    assert incident.equipment_involved == "3号消防泵"
    other = ticket_services.ticket_create(
        actor=ew.desk,
        data={
            "kind": "common_repair",
            "project_id": ew.project.pk,
            "location": "12楼走廊",
            "description": "墙面熏黑",
        },
    )
    services.ticket_link(actor=ew.desk, incident=incident, ticket_id=other.pk)
    with pytest.raises(ValidationError):
        services.ticket_link(actor=ew.desk, incident=incident, ticket_id=other.pk)
    assert IncidentTicket.objects.filter(incident=incident).count() == 2


def test_opening_validates_every_field(ew):
    base = {"project_id": ew.project.pk, "kind": "fire", "level": 1, "description": "冒烟"}
    cases = [
        ({"kind": "tsunami"}, "kind"),
        ({"level": 4}, "level"),
        ({"description": "  "}, "description"),
        ({"project_id": ew.foreign_project.pk}, "project_id"),
        ({"floor_from": 3}, "building_id"),
        ({"building_id": ew.building.pk, "floor_from": 5, "floor_to": 3}, "floor_to"),
        ({"building_id": ew.building.pk, "floor_from": 99}, "floor_from"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.incident_open(actor=ew.control.user, data={**base, **change})
        assert field in exc.value.message_dict, change
    with pytest.raises(NotAllowed):
        services.incident_open(actor=ew.resident_user, data=base)


# --- drills ------------------------------------------------------------------------------------


def test_a_fire_drill_end_to_end_with_timings(ew, monkeypatch):
    drill = services.drill_plan(
        actor=ew.manager,
        data={"project_id": ew.project.pk, "plan_id": ew.fire.pk, "planned_for": DAY.date(), "level": 1},
    )
    incident = services.drill_start(actor=ew.manager, drill=drill, data={"building_id": ew.building.pk})
    drill.refresh_from_db()
    assert incident.is_drill and drill.status == DrillStatus.RUNNING
    assert in_app(ew.control.user).get().subject.startswith("【演练】")
    at(monkeypatch, DAY + datetime.timedelta(seconds=40))
    services.incident_acknowledge(actor=ew.control.user, incident=incident)
    at(monkeypatch, DAY + datetime.timedelta(minutes=3))
    for item in incident.checklist.filter(position=Position.CONTROL_ROOM):
        services.checklist_tick(actor=ew.control.user, incident=incident, item_id=item.pk)
    timings = {row["position"]: row for row in selectors.group_timings(incident)}
    assert timings[Position.CONTROL_ROOM]["ack_seconds"] == 40
    assert timings[Position.CONTROL_ROOM]["done_seconds"] == 180
    assert timings[Position.FIRE_FIGHTING]["ack_seconds"] is None
    services.incident_start_aftermath(actor=ew.manager, incident=incident)
    assert not FollowUpCall.objects.filter(incident=incident).exists()  # a drill affects no household
    services.report_write(actor=ew.security_head.user, incident=incident, body="演练报告")
    services.report_approve(actor=ew.manager, incident=incident)
    with pytest.raises(Conflict) as exc:
        services.incident_close(actor=ew.manager, incident=incident)
    assert "没有演练评估" in exc.value.message
    services.drill_evaluate(actor=ew.manager, drill=drill, evaluation="中控响应迅速，灭火组未到位", score=80)
    services.incident_close(actor=ew.manager, incident=incident)
    drill.refresh_from_db()
    assert drill.status == DrillStatus.DONE
    figures = {row["project"].pk: row for row in selectors.drill_figures(ew.admin, DAY.year)}
    assert figures[ew.project.pk]["done"] == 1 and not figures[ew.project.pk]["fire_due"]
    assert figures[ew.sibling_project.pk]["fire_due"]
    times = selectors.response_times(ew.admin, DAY.year)
    assert times["drill"]["count"] == 1 and times["drill"]["average"] == 40 and times["real"]["count"] == 0


def test_the_recall_job_runs_as_a_journaled_job(ew, monkeypatch):
    from guanjia.core.models import ObjectChange
    from guanjia.emergencies import tasks

    incident = open_fire(ew)
    at(monkeypatch, DAY + datetime.timedelta(minutes=5))
    assert tasks.run_recalls() == 6
    assert tasks.run_recalls() == 0
    change = ObjectChange.objects.filter(content_type__model="recall").first()
    assert change.source == "job"
    assert incident.log.filter(kind=LogKind.RECALL).count() == 6


def test_a_raised_request_must_be_in_the_incidents_project(ew):
    from guanjia.testing import factories as f

    incident = open_fire(ew)
    elsewhere = f.UnitFactory(building=f.BuildingFactory(project=ew.sibling_project))
    with pytest.raises(ValidationError) as exc:
        services.ticket_raise(
            actor=ew.admin, incident=incident, data={"unit_id": elsewhere.pk, "description": "x"}
        )
    assert "unit_id" in exc.value.message_dict
