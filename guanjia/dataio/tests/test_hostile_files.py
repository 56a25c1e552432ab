"""Files that try to take the server down: each one is refused with a message that says why, in
bounded memory, and nothing is imported. Every file is built here, in the test."""

import codecs
import io
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook

from guanjia.dataio import reading
from guanjia.dataio.importing import TEMPLATE_HEADERS
from guanjia.dataio.models import ImportJob, ImportStatus
from guanjia.dataio.services import import_submit
from guanjia.dataio.tests.conftest import GOOD_ROWS, csv_bytes, upload, xlsx_bytes
from guanjia.estates.models import Building, Unit

pytestmark = pytest.mark.django_db

MEMORY_LIMIT = 40 * 1024 * 1024


def submit_refused(world, name: str, content: bytes) -> str:
    """Upload the file; return the message it was refused with, asserting memory stayed bounded."""
    units = Unit.objects.count()
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            import_submit(
                actor=world.desk, project_id=world.project.pk, upload=SimpleUploadedFile(name, content)
            )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, f"peak {peak / 1e6:.1f} MB"
    assert Unit.objects.count() == units and not ImportJob.objects.exists()
    return " ".join(refused.value.message_dict["file"])


def test_one_cell_at_the_last_column_and_row_is_refused_at_once(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_HEADERS)
    sheet["XFD1048576"] = "x"
    out = io.BytesIO()
    workbook.save(out)
    content = out.getvalue()
    assert len(content) < 8000
    stated = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:XFD1048576"' in stated  # the stated dimension is the whole sheet

    message = submit_refused(world, "小.xlsx", content)

    assert "第1048576行 XFD列有内容" in message and "最多 40 列" in message


def test_a_value_far_down_is_refused_without_reading_the_empty_rows(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_HEADERS)
    sheet["A1048576"] = "1栋"
    out = io.BytesIO()
    workbook.save(out)

    message = submit_refused(world, "远.xlsx", out.getvalue())

    assert "超过 200000 行" in message and "第1048576行" in message


def test_a_hundred_columns_are_refused_naming_the_first_one_too_many(world):
    content = xlsx_bytes([["1栋", *range(99)]], headers=[f"列{i}" for i in range(100)])
    message = submit_refused(world, "宽.xlsx", content)
    assert "第1行 AO列有内容：文件最多 40 列" in message


def bomb(unpacked_mib: int = 1024) -> bytes:
    """A zip whose sheet unpacks to ``unpacked_mib`` MiB of one repeated byte, packed to ~1/1000.

    Built from one compressed MiB repeated (a full flush makes each MiB's deflate bytes the same),
    so the test needs no second of compressing; ``zipfile`` reads it back as a valid entry."""
    block = b" " * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    data = one * unpacked_mib + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = 0
    for _ in range(unpacked_mib):
        crc = zlib.crc32(block, crc)
    size = unpacked_mib * len(block)
    name = b"xl/worksheets/sheet1.xml"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(data),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    body = local + name + data
    directory = central + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


def test_a_zip_bomb_is_refused_from_its_directory_before_unpacking(world):
    content = bomb()
    assert len(content) < 1.2 * 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(content)) as package:  # a valid zip of 1 GiB
        assert package.getinfo("xl/worksheets/sheet1.xml").file_size == 1024**3
        assert package.open("xl/worksheets/sheet1.xml").read(10) == b" " * 10

    message = submit_refused(world, "炸弹.xlsx", content)

    assert "压缩炸弹" in message


def test_a_package_that_unpacks_beyond_the_limit_is_refused(world, monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 50_000)
    content = xlsx_bytes([["1栋", 1, f"{n}", 80, "", "", "", "", ""] for n in range(2000)])
    message = submit_refused(world, "大.xlsx", content)
    assert "解压后超过" in message


def test_an_overlong_cell_is_refused_naming_its_place(world):
    content = xlsx_bytes([["1栋", 1, "101", 80, "", "长" * 3000, "13700000001", "", ""]])
    message = submit_refused(world, "长.xlsx", content)
    assert "第2行 F列: 内容超过 2000 个字" in message
    csv_message = submit_refused(world, "长.csv", csv_bytes([["1栋", 1, "101", 80, "", "长" * 3000]]))
    assert "第2行 F列: 内容超过 2000 个字" in csv_message


def test_a_broken_file_and_an_old_excel_file_get_a_message(world):
    assert "损坏" in submit_refused(world, "坏.xlsx", b"PK\x03\x04 not really")
    assert "另存为 .xlsx" in submit_refused(world, "旧.xls", b"\xd0\xcf\x11\xe0")


def test_a_formula_without_a_saved_value_is_named_as_such(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(["1栋", 1, "101", "=40+40", "", "", "", "", ""])  # openpyxl saves no value
    out = io.BytesIO()
    workbook.save(out)
    message = submit_refused(world, "公式.xlsx", out.getvalue())
    assert "第2行 D列: 公式没有保存计算结果" in message


def test_a_gbk_csv_behind_a_utf8_byte_order_mark_is_read(world):
    content = codecs.BOM_UTF8 + csv_bytes(GOOD_ROWS, encoding="gbk")
    job = import_submit(
        actor=world.desk, project_id=world.project.pk, upload=SimpleUploadedFile("住户.csv", content)
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Building.objects.filter(project=world.project, name="9栋").exists()


def test_ignored_columns_are_reported(world):
    headers = [*TEMPLATE_HEADERS, "车位号", "备注"]
    rows = [[*row, *[""] * (len(TEMPLATE_HEADERS) - len(row)), "A-1", "x"] for row in GOOD_ROWS]
    job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(rows, headers=headers))
    assert job.status == ImportStatus.SUCCEEDED
    assert job.notices == ["以下列不属于导入模板，已忽略：车位号、备注"]


@override_settings(IMPORT_INLINE_BYTES=100)
def test_a_large_upload_is_only_checked_and_stored_and_read_on_the_worker(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_submit(actor=world.desk, project_id=world.project.pk, upload=upload(GOOD_ROWS))
    assert (job.status, job.total_rows) == (ImportStatus.PENDING, 0)  # not read in the request
    assert not Building.objects.filter(name="9栋").exists()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created_count) == (ImportStatus.SUCCEEDED, 4, 9)


def test_a_hostile_file_on_the_worker_fails_the_job_with_the_message(
    world, django_capture_on_commit_callbacks
):
    content = xlsx_bytes([["1栋", *range(99)]], headers=[f"列{i}" for i in range(100)])
    with override_settings(IMPORT_INLINE_BYTES=100), django_capture_on_commit_callbacks(execute=True):
        job = import_submit(
            actor=world.desk, project_id=world.project.pk, upload=SimpleUploadedFile("宽.xlsx", content)
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "文件最多 40 列" in job.errors[0]["text"]


def test_reading_a_large_sheet_holds_one_row_at_a_time():
    rows = [
        ["1栋", 1, f"{n}", 80.5, "已入住", f"住户{n}", f"137{n:08d}", "业主", "2024-01-01"]
        for n in range(4000)
    ]
    content = xlsx_bytes(rows)
    tracemalloc.start()
    try:
        count = sum(1 for _row in reading.iter_table(io.BytesIO(content), "x.xlsx"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 4001
    # The shared strings (names, phones) are held; the sheet's rows are not.
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
