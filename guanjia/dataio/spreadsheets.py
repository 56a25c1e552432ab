"""The one place a spreadsheet is written: every .xlsx and .csv the system hands out goes through here.

Text that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is what a spreadsheet
program reads as a formula: a resident who registers as ``=HYPERLINK("http://…","点击")`` would
otherwise get a live link, or worse, into the file a manager opens (formula injection, OWASP "CSV
injection"). So:

- .xlsx: such text is written as a text cell with Excel's "quote prefix" style: the value stays
  exactly what was stored (our own import reads it back unchanged), and Excel shows it as text
  and keeps it text when the cell is edited.
- .csv: a file has no cell types, so such text gets a leading apostrophe (``'=HYPERLINK(…)``),
  which Excel and WPS hide; our own CSV import takes it off again (``unescape_csv_cell``).

Numbers, dates and empty cells are written as they are: ``-5`` as a number is not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    """True for text a spreadsheet program would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """One value as a safe CSV cell."""
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    return value


def unescape_csv_cell(value):
    """Undo ``csv_cell`` when reading a CSV back (only our escape: an apostrophe before a formula
    start)."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def rows_to_csv(rows: Iterable[Iterable]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    # A BOM so that Excel opens the Chinese headers as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def _xlsx_row(sheet, row: Iterable) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if is_formula_like(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
            cell.quotePrefix = True
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def sheets_to_xlsx(sheets: Iterable[tuple[str, Iterable[Iterable]]]) -> bytes:
    """A workbook of (title, rows) sheets; titles are cut to Excel's 31 characters."""
    from openpyxl import Workbook  # heavy; loaded only when a workbook is made

    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=str(title)[:31])
        for row in rows:
            sheet.append(_xlsx_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rows_to_xlsx(rows: Iterable[Iterable], *, title: str) -> bytes:
    return sheets_to_xlsx([(title, rows)])
