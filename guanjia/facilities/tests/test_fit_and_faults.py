"""Checklists fit the equipment type, and each fault gets its own repair request (issue 22, item 8).

A weekly extinguisher check used to ask about hydrants, doors and lighting (the fire defaults covered
every 消防 item with every line), and a failed line was linked to whatever repair request the item had
open — a two-month-old overdue one about another fault — instead of getting its own work order."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from guanjia.facilities import services
from guanjia.facilities.choices import DEFAULT_TYPES, FIRE_PLANS, Frequency
from guanjia.facilities.forms import checklist_from_text, checklist_to_text
from guanjia.facilities.models import EquipmentRepair, MaintenanceTask
from guanjia.facilities.tests.conftest import at
from guanjia.tickets.models import Ticket

pytestmark = pytest.mark.django_db

JAN1 = datetime.date(2026, 1, 1)


def _item(fw, type_name, name):
    kind = fw.types["消防"].children.get(name=type_name)
    return services.equipment_create(
        actor=fw.manager, data={"project_id": fw.project.pk, "type_id": kind.pk, "name": name}
    )


def _asked(plan, item):
    task = MaintenanceTask.objects.filter(plan=plan, equipment=item).order_by("period_start").first()
    return None if task is None else [line["text"] for line in task.checklist]


def test_each_fault_of_an_item_gets_its_own_request_and_the_same_fault_joins_its_open_one(fw, frozen):
    frozen(at(JAN1))
    plan = services.plan_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "泵房每周巡检",
            "equipment_id": fw.pump.pk,
            "frequency": Frequency.WEEKLY,
            "starts_on": JAN1,
            "checklist": [
                {"text": "泵体无渗漏", "expected": "无渗漏"},
                {"text": "出口压力", "kind": "reading", "unit": "MPa", "min": "0.3", "max": "0.8"},
            ],
        },
    )

    def do(day, *, leak, pressure):
        frozen(at(day))
        services.generate_tasks(now=at(day))
        task = MaintenanceTask.objects.get(plan=plan, period_start__lte=day, period_end__gt=day)
        services.task_start(actor=fw.technician, task=task, code=fw.pump.qr_token)
        services.task_complete(
            actor=fw.technician,
            task=task,
            results=[{"position": 1, "result": leak}, {"position": 2, "reading": pressure}],
        )
        return task

    first = do(JAN1, leak="fail", pressure="0.5")
    leak_repair = first.results.get(position=1).repair
    assert leak_repair is not None

    # Two months on, the leak request is still open and long overdue; the pressure is now out of
    # range: a different fault, so its own request — not a comment on the old one.
    march = do(datetime.date(2026, 3, 5), leak="pass", pressure="0.95")
    pressure_repair = march.results.get(position=2).repair
    assert pressure_repair is not None and pressure_repair != leak_repair
    assert Ticket.objects.count() == 2
    assert "出口压力" in pressure_repair.ticket.description
    assert "出口压力" not in leak_repair.ticket.description
    assert not leak_repair.ticket.events.filter(note__contains="出口压力").exists()

    # The leak again: the same fault of the same item joins its open request.
    again = do(datetime.date(2026, 3, 12), leak="fail", pressure="0.95")
    assert again.results.get(position=1).repair == leak_repair
    assert again.results.get(position=2).repair == pressure_repair
    assert Ticket.objects.count() == 2
    assert leak_repair.ticket.events.filter(note__contains="又发现不合格").exists()


def test_the_fire_defaults_name_only_types_of_the_tree():
    fire_types = set(DEFAULT_TYPES["消防"])
    for key, (_name, _frequency, _window, lines) in FIRE_PLANS.items():
        for line in lines:
            assert line[0] and set(line[0]) <= fire_types, (key, line)


def test_fire_defaults_ask_each_item_only_about_its_own_kind(fw, frozen):
    frozen(at(JAN1))
    extinguishers = _item(fw, "灭火器", "1栋灭火器组")
    door = _item(fw, "防火门", "1栋防火门")
    alarm = _item(fw, "火灾自动报警", "火灾自动报警主机")
    weekly, monthly, half, yearly = services.fire_plans_apply(
        actor=fw.manager, project=fw.project, starts_on=JAN1
    )

    assert _asked(weekly, extinguishers) == ["检查各类手提灭火器"]
    assert _asked(weekly, door) == ["检查防火门"]
    assert _asked(half, extinguishers) == ["手提式灭火器有效性"]
    assert _asked(monthly, alarm) == ["各类信号指示灯"]
    assert _asked(yearly, alarm) == ["结合消防演习对整个消防系统进行运行检查", "各消防设备联动协调运行测试"]
    # Nothing in the plan is about it: no task at all, rather than an empty or foreign one.
    assert _asked(weekly, alarm) is None
    assert _asked(monthly, extinguishers) is None
    assert _asked(yearly, door) is None
    # An item filed only as 消防 (its kind unknown) is asked everything, as before.
    assert len(_asked(weekly, fw.pump)) == 5


def test_a_plans_lines_can_name_the_equipment_type_they_are_about(fw, frozen):
    frozen(at(JAN1))
    extinguishers = _item(fw, "灭火器", "1栋灭火器组")
    door = _item(fw, "防火门", "1栋防火门")
    text = "[灭火器] 压力表 | 指针在绿区\n【防火门、灭火器】通道畅通 | 无杂物\n标识清晰 | 完好"
    checklist = checklist_from_text(text)
    assert [line.get("types") for line in checklist] == [["灭火器"], ["防火门", "灭火器"], None]
    data = {
        "project_id": fw.project.pk,
        "name": "消防器材巡检",
        "equipment_type_id": fw.types["消防"].pk,
        "frequency": Frequency.WEEKLY,
        "starts_on": JAN1,
        "checklist": checklist,
    }
    plan = services.plan_create(actor=fw.manager, data=data)
    assert _asked(plan, extinguishers) == ["压力表", "通道畅通", "标识清晰"]
    assert _asked(plan, door) == ["通道畅通", "标识清晰"]
    assert checklist_to_text(plan.checklist).splitlines()[:2] == [
        "[灭火器] 压力表 | 指针在绿区",
        "[防火门、灭火器] 通道畅通 | 无杂物",
    ]

    # A type the plan's items cannot be, or no type at all: an error naming the line.
    for wrong in ("[客梯] 轿厢照明 | 正常", "[灭火毯] 外观 | 完好"):
        with pytest.raises(ValidationError) as err:
            services.plan_create(actor=fw.manager, data={**data, "checklist": checklist_from_text(wrong)})
        assert "checklist.0.types" in err.value.message_dict
    assert EquipmentRepair.objects.count() == 0
