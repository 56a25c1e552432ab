import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from guanjia.dataio.importing import TEMPLATE_HEADERS


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def xlsx_bytes(rows, headers=TEMPLATE_HEADERS) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导入")
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, headers=TEMPLATE_HEADERS, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def upload(rows, fmt="xlsx", headers=TEMPLATE_HEADERS, **kwargs) -> SimpleUploadedFile:
    content = xlsx_bytes(rows, headers) if fmt == "xlsx" else csv_bytes(rows, headers, **kwargs)
    return SimpleUploadedFile(f"住户.{fmt}", content)


# 楼栋, 楼层, 房号, 面积, 房屋状态, 姓名, 手机号, 关系, 入住日期
GOOD_ROWS = [
    ["9栋", 1, "101", 88.5, "已入住", "王小明", "13700000001", "业主", "2024-03-01"],
    ["9栋", 1, "101", 88.5, "已入住", "李丽", "+86 137 0000 0002", "家庭成员", "2024-03-01"],
    ["9栋", 1, "102", "120", "", "", "", "", ""],
    ["10栋", 2, "201", "75.25", "空置", "", "", "", ""],
]
