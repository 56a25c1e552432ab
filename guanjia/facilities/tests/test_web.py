"""Facilities pages: the QR label sheet (rendered and looked at as images), the phone page a QR
opens, doing a task through the web form, ledger import/export, costs, plans, patrol pages."""

import datetime
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from guanjia.facilities import selectors, services, spreadsheet
from guanjia.facilities.choices import TaskStatus
from guanjia.facilities.models import Equipment, MaintenanceTask, PatrolRound
from guanjia.facilities.services import common
from guanjia.tickets.models import Ticket, TicketMaterial

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def _pdf_pages(pdf: bytes, tmp_path) -> list[Image.Image]:
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed to look at the PDF"
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(tmp_path / "page")], check=True)
    return [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]


def test_qr_label_sheet_renders_with_several_labels_per_a4_page(fw, tmp_path):
    for n in range(16):
        services.equipment_create(
            actor=fw.manager,
            data={"project_id": fw.project.pk, "type_id": fw.types["消防"].pk, "name": f"灭火器组{n}"},
        )
    response = client_for(fw.manager).get(reverse("facilities:equipment_labels"), {"project": fw.project.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = _pdf_pages(response.content, tmp_path)
    assert len(pages) == 2  # 17 items, 15 labels a page
    first = pages[0].convert("L")
    # A4 at 60 dpi, mostly white paper with dark QR modules on it.
    assert abs(first.width / first.height - 210 / 297) < 0.01
    dark = sum(1 for px in first.getdata() if px < 128) / (first.width * first.height)
    assert 0.05 < dark < 0.5
    second = pages[1].convert("L")
    dark2 = sum(1 for px in second.getdata() if px < 128) / (second.width * second.height)
    assert dark2 < dark  # two labels on the last page
    pages[0].save(tmp_path / "look.png")


def test_qr_codes_encode_the_items_phone_page(fw):
    import segno

    from guanjia.facilities import labels

    url = labels.absolute(reverse("facilities:qr", args=[fw.pump.qr_token]))
    assert url.endswith(f"/facilities/q/{fw.pump.qr_token}/")
    qr = segno.make(url, error="m")
    assert qr.designator  # encodable at medium error correction
    pdf = labels.label_sheet([labels.Label("1栋消防泵房", ["JY-E0001"], url)], heading="t")
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf


def test_the_qr_page_shows_the_item_and_lets_the_technician_do_the_check(fw, frozen):
    today = datetime.date.today()
    services.plan_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "泵房周检",
            "equipment_id": fw.pump.pk,
            "frequency": "weekly",
            "starts_on": today,
            "checklist": [
                {"text": "泵体无渗漏", "expected": "无渗漏"},
                {"text": "出口压力", "kind": "reading", "unit": "MPa", "min": "0.3", "max": "0.8"},
            ],
        },
    )
    task = MaintenanceTask.objects.get(period_start=today)
    tech = client_for(fw.technician)
    page = tech.get(reverse("facilities:qr", args=[fw.pump.qr_token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "1栋消防泵房" in html and "泵房周检" in html and 'data-testid="start-task"' in html
    # Without the scan (the plain item page) there is no start button.
    assert (
        'data-testid="start-task"'
        not in tech.get(reverse("facilities:equipment", args=[fw.pump.pk])).content.decode()
    )
    started = tech.post(reverse("facilities:task_start", args=[task.pk]), {"code": fw.pump.qr_token})
    assert started.status_code == 302
    bad = tech.post(reverse("facilities:task", args=[task.pk]), {"result_1": "pass", "reading_2": "abc"})
    assert bad.status_code == 422
    done = tech.post(
        reverse("facilities:task", args=[task.pk]),
        {"result_1": "fail", "note_1": "泵体渗水", "reading_2": "0.5"},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.failed_lines == 1
    assert Ticket.objects.count() == 1
    after = tech.get(reverse("facilities:task", args=[task.pk])).content.decode()
    assert Ticket.objects.get().number in after
    # Out of scope: the sibling project's desk cannot open the QR page.
    assert (
        client_for(fw.sibling_desk).get(reverse("facilities:qr", args=[fw.pump.qr_token])).status_code == 404
    )


def test_ledger_export_then_import_is_a_no_op_and_bad_rows_name_the_cell(fw):
    data = spreadsheet.export_rows(Equipment.objects.filter(project=fw.project))
    assert data[0][:3] == ["设备编号", "名称", "类型"]
    outcome = spreadsheet.import_table(actor=fw.manager, project=fw.project, table=data)
    assert outcome == {"created": 0, "updated": 1}
    rows = [
        data[0],
        [
            "",
            "2号电梯",
            "电梯/客梯",
            "1栋",
            "",
            "井道",
            "",
            "",
            "",
            "某电梯公司",
            "2026-01-01",
            "2026-12-31",
            "",
            "",
            "在用",
            "",
        ],
        ["", "坏行", "没有的类型", "", "", "", "", "", "", "", "2026-13-01", "", "", "", "", ""],
    ]
    with pytest.raises(Exception) as err:
        spreadsheet.import_table(actor=fw.manager, project=fw.project, table=rows)
    text = " ".join(err.value.message_dict["file"])
    assert "第3行" in text and "类型" in text
    assert Equipment.objects.filter(project=fw.project).count() == 1  # all or nothing
    spreadsheet.import_table(actor=fw.manager, project=fw.project, table=rows[:2])
    lift = Equipment.objects.get(name="2号电梯")
    assert lift.type.name == "客梯" and lift.building == fw.building and lift.contractor == "某电梯公司"
    xlsx = client_for(fw.manager).get(reverse("facilities:equipment_export"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    upload = io.BytesIO(xlsx.content)
    upload.name = "ledger.xlsx"
    response = client_for(fw.manager).post(
        reverse("facilities:equipment_import"), {"project": fw.project.pk, "file": upload}
    )
    assert response.status_code == 302


def test_cost_totals_per_item_type_project_and_year(fw, frozen):
    services.cost_create(
        actor=fw.manager,
        data={
            "equipment_id": fw.pump.pk,
            "kind": "repair",
            "incurred_on": datetime.date(2026, 3, 1),
            "amount": "1000.00",
        },
    )
    services.cost_create(
        actor=fw.manager,
        data={
            "equipment_id": fw.pump.pk,
            "kind": "running",
            "incurred_on": datetime.date(2025, 3, 1),
            "amount": "250.50",
        },
    )
    # A repair request of the item with materials.
    plan = services.plan_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "周检",
            "equipment_id": fw.pump.pk,
            "frequency": "weekly",
            "starts_on": datetime.date.today(),
            "checklist": [{"text": "无渗漏"}],
        },
    )
    task = plan.tasks.get()
    services.task_start(actor=fw.technician, task=task, code=fw.pump.qr_token)
    services.task_complete(actor=fw.technician, task=task, results=[{"position": 1, "result": "fail"}])
    ticket = Ticket.objects.get()
    TicketMaterial.objects.create(
        company=fw.company,
        project=fw.project,
        ticket=ticket,
        name="机械密封",
        quantity=1,
        cost=Decimal("180.00"),
    )
    by_item = selectors.cost_totals(fw.manager, by="equipment")
    assert by_item[0]["total"] == Decimal("1430.50") and by_item[0]["repairs"] == Decimal("180.00")
    by_year = {r["key"]: r["total"] for r in selectors.cost_totals(fw.manager, by="year")}
    assert by_year[2025] == Decimal("250.50")
    assert by_year[ticket.received_at.year] >= Decimal("180.00")
    assert selectors.cost_totals(fw.manager, by="type")[0]["label"] == "消防"
    assert selectors.cost_totals(fw.manager, by="project")[0]["label"] == "金苑小区"
    assert selectors.cost_totals(fw.sibling_desk, by="project") == []
    with pytest.raises(Exception) as err:
        services.cost_create(
            actor=fw.manager,
            data={"equipment_id": fw.pump.pk, "incurred_on": datetime.date(2026, 1, 1), "amount": "-5"},
        )
    assert "amount" in err.value.message_dict
    assert client_for(fw.manager).get(reverse("facilities:costs"), {"by": "type"}).status_code == 200


def test_pages_answer_and_respect_permissions(fw):
    manager, desk, resident = client_for(fw.manager), client_for(fw.desk), client_for(fw.resident_user)
    for name in ["home", "equipment_list", "plan_list", "route_list", "costs"]:
        assert manager.get(reverse(f"facilities:{name}")).status_code == 200, name
    assert desk.get(reverse("facilities:equipment_create")).status_code == 403
    assert resident.get(reverse("facilities:equipment_list")).status_code == 403
    created = manager.post(
        reverse("facilities:equipment_create"),
        {"project": fw.project.pk, "type": fw.types["电梯"].pk, "name": "3号梯", "status": "in_service"},
    )
    assert created.status_code == 302
    bad = manager.post(
        reverse("facilities:plan_create"),
        {
            "project": fw.project.pk,
            "name": "x",
            "frequency": "weekly",
            "starts_on": "2026-01-01",
            "team": "engineering",
            "rectify_days": 3,
            "checklist": "压力 | 正常 | MPa | 5 | 1",
        },
    )
    assert bad.status_code == 422
    ok = manager.post(
        reverse("facilities:plan_create"),
        {
            "project": fw.project.pk,
            "name": "梯检",
            "equipment_type": fw.types["电梯"].pk,
            "frequency": "monthly",
            "starts_on": "2026-01-01",
            "team": "engineering",
            "rectify_days": 3,
            "checklist": "运行 | 平稳\n",
        },
    )
    assert ok.status_code == 302
    route = manager.post(
        reverse("facilities:route_create"),
        {
            "project": fw.project.pk,
            "name": "夜巡",
            "kind": "security_night",
            "department": "security",
            "round_times": "22:00, 02:00",
            "window_minutes": 60,
            "weekdays": "0123456",
            "checkpoints": "东门 | 东门岗\n地库 | B1",
        },
    )
    assert route.status_code == 302
    assert manager.get(route["Location"]).status_code == 200
    labels = manager.get(route["Location"] + "labels.pdf")
    assert labels.status_code == 200 and labels.content.startswith(b"%PDF")


def test_checkpoint_qr_records_the_scan_in_the_current_round(fw):
    from guanjia.facilities.models import PatrolRoute

    # The route's own rounds fall twelve hours from now, so the only open round is the one made below.
    far_hour = (timezone.localtime(common._now()).hour + 12) % 24
    route = services.route_create(
        actor=fw.manager,
        data={
            "project_id": fw.project.pk,
            "name": "公区",
            "department": "security",
            "round_times": f"{far_hour:02d}:00",
            "checkpoints": [{"name": "东门"}, {"name": "花园"}],
        },
    )
    now = common._now()
    patrol = PatrolRound.objects.create(
        company=fw.company,
        project=fw.project,
        route=route,
        window_start=now - datetime.timedelta(minutes=5),
        window_end=now + datetime.timedelta(minutes=55),
        checkpoint_count=2,
    )
    garden = route.checkpoints.get(name="花园")
    guard = client_for(fw.guard)
    url = reverse("facilities:checkpoint_qr", args=[garden.qr_token])
    assert guard.get(url).status_code == 200
    assert patrol.scans.count() == 0  # opening the page alone records nothing
    assert guard.post(url).status_code == 302
    scan = patrol.scans.get()
    assert scan.scanned_by == fw.guard and not scan.in_order
    page = guard.get(reverse("facilities:round", args=[patrol.pk])).content.decode()
    assert "未按顺序" in page
    finding = guard.post(
        reverse("facilities:round_finding", args=[patrol.pk]),
        {"checkpoint": garden.pk, "description": "花园灯坏了"},
    )
    assert finding.status_code == 302
    assert Ticket.objects.get().location == "花园"
    assert PatrolRoute.objects.count() == 1


def test_ledger_export_writes_a_formula_like_name_as_text(fw):
    from openpyxl import load_workbook

    from guanjia.facilities.models import Equipment

    evil = '=HYPERLINK("http://evil.example","点我")'
    Equipment.objects.filter(pk=fw.pump.pk).update(name=evil, notes="@SUM(1,1)")
    xlsx = client_for(fw.manager).get(reverse("facilities:equipment_export"))
    cells = {
        c.value: c.data_type
        for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
        for c in row
    }
    assert cells[evil] == "s" and cells["@SUM(1,1)"] == "s"
